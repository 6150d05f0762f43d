/**
 * LZ4 image encoder bench (run by bench/run.ts): encodeLz4 on a synthetic
 * 1280x800 desktop frame (flat windows, text strokes, a photo corner), a
 * photo-like frame (smooth colour with grain), and the large screens of the
 * golden captures, next to liblz4 on the same bytes (`lz4 -b1`: the in-process
 * benchmark of LZ4_compress_fast at acceleration 1, what spice-server calls).
 *
 * MB/s = input bytes (4 a pixel) per CPU second, best of repeated passes.
 * Ratios: speed = ours / liblz4; size = our bytes / liblz4's.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lz4Encoder } from '../src/codecs/encode/lz4-encode.js';
import type { EncodeSource } from '../src/codecs/encode/types.js';
import { decodeQuic } from '../src/codecs/quic.js';
import { displayImages, loadGolden } from '../test/helpers/golden.js';

export type FrameKind = 'desktop' | 'photo';

/** A synthetic w x h frame of opaque 0xFFRRGGBB pixels (deterministic). */
export function syntheticFrame(kind: FrameKind, w: number, h: number): Uint32Array {
  const px = new Uint32Array(w * h);
  let s = 7;
  const grain = (): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 27) - 16;
  };
  const clamp = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let r: number;
      let g: number;
      let b: number;
      if (kind === 'photo' || (x < w / 3 && y < h / 3)) {
        [r, g, b] = [0, 1, 2].map((c) => clamp(128 + 60 * Math.sin(x * (0.011 + c * 0.003) + y * 0.007 + c)
          + 50 * Math.cos(y * (0.019 - c * 0.004) - x * 0.005 * c) + grain() * 0.4));
      } else {
        const win = ((x >> 7) + (y >> 6)) % 4;
        [r, g, b] = [[235, 235, 235], [70, 110, 150], [200, 170, 140], [250, 250, 250]][win];
        if (win !== 1 && y % 16 < 10 && (x * 7 + (y >> 4) * 13) % 11 < 5 && x % 80 < 60) r = g = b = 20; // text
      }
      px[y * w + x] = (0xff000000 | (r << 16) | (g << 8) | b) >>> 0;
    }
  }
  return px;
}

/** CPU milliseconds of `fn`: the best of passes over about `seconds`. */
export function cpuMs(fn: () => void, seconds = 0.6): number {
  fn();
  fn();
  let best = Infinity;
  const t0 = performance.now();
  do {
    const c0 = process.cpuUsage();
    fn();
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / 1000);
  } while (performance.now() - t0 < seconds * 1000);
  return Math.max(best, 0.001);
}

/** liblz4's compression speed (MB/s) and size on a file, from `lz4 -b1`, or undefined. */
function lz4Bench(file: string): { mbs: number; size: number } | undefined {
  const r = spawnSync('lz4', ['-b1', '-i1', '-q', file], { encoding: 'utf8' });
  const m = /(\d+) \([\d.]+\)\s+([\d.]+) MB\/s/.exec(`${r.stdout}\n${r.stderr}`);
  return m ? { size: Number(m[1]), mbs: Number(m[2]) } : undefined;
}

interface Frame { label: string; src: EncodeSource }

function frames(): Frame[] {
  const out: Frame[] = [];
  for (const kind of ['desktop', 'photo'] as const) {
    out.push({ label: `1280x800 ${kind}`, src: { pixels: syntheticFrame(kind, 1280, 800), stride: 1280, x: 0, y: 0, width: 1280, height: 800 } });
  }
  for (const name of ['xspice-quic', 'qemu-spicy-screenshot']) {
    for (const im of displayImages(loadGolden(name))) {
      if (!im.quic) continue;
      const d = decodeQuic(im.quic.data);
      if (d.width * d.height < 200_000) continue;
      out.push({ label: `${name} ${d.width}x${d.height}`, src: { pixels: d.pixels, stride: d.width, x: 0, y: 0, width: d.width, height: d.height } });
      break;
    }
  }
  return out;
}

const fmt = (x: number | undefined, d = 1): string => (x === undefined ? '—' : x.toFixed(d));

export default async function benchLz4Encode(): Promise<void> {
  const haveLz4 = spawnSync('lz4', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!haveLz4) console.log('lz4 not found (Debian package lz4): no liblz4 figures');
  const dir = mkdtempSync(join(tmpdir(), 'spice-lz4-bench-'));
  const enc = new Lz4Encoder();
  try {
    console.log('MB/s = input bytes (4 a pixel) per CPU second; speed = ours / liblz4; size = our bytes / liblz4\'s\n');
    console.log(`${'frame'.padEnd(34)} ${'ours ms'.padStart(8)} ${'ours MB/s'.padStart(10)} ${'bytes'.padStart(9)} ${'liblz4 MB/s'.padStart(12)} ${'bytes'.padStart(9)} ${'speed'.padStart(6)} ${'size'.padStart(6)}`);
    for (const f of frames()) {
      const bytesIn = f.src.width * f.src.height * 4;
      let out = enc.encode(f.src);
      const ms = cpuMs(() => { out = enc.encode(f.src); });
      const mbs = bytesIn / ms / 1e3;
      let ref: { mbs: number; size: number } | undefined;
      if (haveLz4) {
        const file = join(dir, 'frame.raw');
        writeFileSync(file, new Uint8Array(f.src.pixels.buffer, f.src.pixels.byteOffset, bytesIn));
        ref = lz4Bench(file);
      }
      console.log(`${f.label.padEnd(34)} ${fmt(ms, 2).padStart(8)} ${fmt(mbs).padStart(10)} ${String(out.length).padStart(9)} ` +
        `${fmt(ref?.mbs).padStart(12)} ${(ref ? String(ref.size) : '—').padStart(9)} ${fmt(ref && mbs / ref.mbs, 2).padStart(6)} ${fmt(ref && out.length / ref.size, 3).padStart(6)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
