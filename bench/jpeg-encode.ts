/**
 * JPEG encoder bench (run by bench/run.ts): JpegEncoder at quality 85 (spice-server's
 * default) on a synthetic 1280x800 desktop frame and a photo-like one (bench/lz4-encode.ts
 * makes them), next to libjpeg-turbo on the same pixels with the same settings (the
 * library spice-server links; our files are byte-identical to its):
 *
 * - `tjbench FILE.ppm 85 -subsamp 420`: in-process compression throughput, no process
 *   start-up in the figure (its colour conversion from BGR included, as ours from BGRX);
 * - `cjpeg -quality 85` on the PPM, 8 runs in a shell loop whose children's CPU time
 *   (bash `times`), minus that of the same loop on a 1x1 PPM, gives the time per image.
 *
 * MB/s = input bytes (4 a pixel) per CPU second. Ratio = libjpeg-turbo's time / ours
 * (1 = as fast, 0.2 = we take 5 times as long).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JpegEncoder } from '../src/codecs/encode/jpeg-encode.js';
import type { EncodeSource } from '../src/codecs/encode/types.js';
import { cpuMs, syntheticFrame } from './lz4-encode.js';

const QUALITY = 85;

function ppm(src: EncodeSource): Uint8Array {
  const head = new TextEncoder().encode(`P6\n${src.width} ${src.height}\n255\n`);
  const out = new Uint8Array(head.length + src.width * src.height * 3);
  out.set(head);
  let p = head.length;
  for (let i = 0; i < src.width * src.height; i++) {
    const v = src.pixels[i];
    out[p++] = (v >>> 16) & 255;
    out[p++] = (v >>> 8) & 255;
    out[p++] = v & 255;
  }
  return out;
}

function has(tool: string): boolean {
  const r = spawnSync(tool, tool === 'tjbench' ? [] : ['-version'], { stdio: 'ignore' });
  return r.error === undefined;
}

/** libjpeg-turbo's in-process compression throughput on a PPM, Mpixels/s (tjbench), or undefined. */
function tjbenchMpx(file: string): number | undefined {
  const r = spawnSync('tjbench', [file, String(QUALITY), '-subsamp', '420', '-nowrite', '-quiet', '-benchtime', '0.5', '-warmup', '0.1'], { encoding: 'utf8' });
  const line = r.stdout?.split('\n').find((l) => l.includes('(TD)'));
  // columns: format, (TD), subsampling, quality, width, height, compression Mpx/s, ratio, decompression Mpx/s
  const v = line ? Number(line.trim().split(/\s+/)[6]) : NaN;
  return Number.isFinite(v) ? v : undefined;
}

/** CPU seconds of `runs` cjpeg processes on `file` (bash `times`, children's user + sys). */
function cjpegLoopSeconds(file: string, runs: number): number | undefined {
  const script = `for i in $(seq ${runs}); do cjpeg -quality ${QUALITY} -outfile /dev/null "$1" || exit 1; done; times`;
  const r = spawnSync('bash', ['-c', script, '_', file], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  const lines = r.stdout.trim().split('\n');
  const m = lines[lines.length - 1]?.match(/(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/);
  if (!m) return undefined;
  return Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4]);
}

const fmt = (x: number | undefined, d = 1): string => (x === undefined ? '—' : x.toFixed(d));

export default async function benchJpegEncode(): Promise<void> {
  const tools = { cjpeg: has('cjpeg'), tjbench: has('tjbench') };
  if (!tools.cjpeg || !tools.tjbench) console.log('cjpeg/tjbench not found (Debian libjpeg-turbo-progs): no libjpeg-turbo figures');
  const dir = mkdtempSync(join(tmpdir(), 'spice-jpeg-enc-bench-'));
  const enc = new JpegEncoder({ quality: QUALITY });
  try {
    let startup: number | undefined;
    if (tools.cjpeg) {
      const tiny = join(dir, 'tiny.ppm');
      writeFileSync(tiny, ppm({ pixels: new Uint32Array([0xff808080]), stride: 1, x: 0, y: 0, width: 1, height: 1 }));
      const s = cjpegLoopSeconds(tiny, 20);
      if (s !== undefined) startup = s / 20;
    }
    console.log(`quality ${QUALITY}, 2x2 chroma; MB/s = input bytes (4 a pixel) per CPU second; ratio = libjpeg-turbo time / ours\n`);
    console.log(`${'frame'.padEnd(20)} ${'bytes'.padStart(8)} ${'ours ms'.padStart(8)} ${'ours MB/s'.padStart(10)} ${'tjbench MB/s'.padStart(13)} ${'ratio'.padStart(6)} ${'cjpeg ms'.padStart(9)} ${'ratio'.padStart(6)}`);
    for (const kind of ['desktop', 'photo'] as const) {
      const w = 1280;
      const h = 800;
      const src: EncodeSource = { pixels: syntheticFrame(kind, w, h), stride: w, x: 0, y: 0, width: w, height: h };
      let out = enc.encode(src);
      const ms = cpuMs(() => { out = enc.encode(src); });
      const mbs = (w * h * 4) / ms / 1e3;
      const file = join(dir, `${kind}.ppm`);
      writeFileSync(file, ppm(src));
      const tj = tools.tjbench ? tjbenchMpx(file) : undefined;
      const tjMbs = tj !== undefined ? tj * 4 : undefined;
      let cj: number | undefined;
      if (tools.cjpeg && startup !== undefined) {
        const total = cjpegLoopSeconds(file, 8);
        if (total !== undefined) cj = Math.max(0.0001, (total / 8 - startup) * 1000);
      }
      console.log(`${`1280x800 ${kind}`.padEnd(20)} ${String(out.length).padStart(8)} ${fmt(ms, 2).padStart(8)} ${fmt(mbs).padStart(10)} ` +
        `${fmt(tjMbs).padStart(13)} ${fmt(tjMbs && mbs / tjMbs, 2).padStart(6)} ${fmt(cj, 2).padStart(9)} ${fmt(cj && cj / ms, 2).padStart(6)}`);
    }
    if (startup !== undefined) console.log(`\n(cjpeg start-up ${fmt(startup * 1000, 2)} ms a process, subtracted)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
