/**
 * JPEG bench (run by bench/run.ts): the pure TypeScript decoder next to libjpeg-turbo,
 * the library spice-gtk decodes with, on the same JPEGs and with spice-gtk's settings
 * (images: accurate IDCT + fancy upsampling; MJPEG: fast IDCT, plain upsampling).
 *
 * Corpus: the JPEG part of the JPEG_ALPHA image in xspice-jpeg-zlib-glz and the MJPEG
 * frames of xspice-stream-mjpeg (small: 160x120 and 96x72), plus, when cjpeg is
 * installed, two 1920x1080 synthetic screens (photo-like, desktop-like) encoded as
 * spice-server's libjpeg would (defaults; quality 85 for images, 70 with the fast DCT for
 * MJPEG), which is where speed matters: a screenshot, or a 30 fps 1080p MJPEG stream.
 *
 * Method: ours = process CPU time of the best of repeated passes over each set (~0.6 s),
 * per image.
 * libjpeg-turbo = `tjbench -nowrite` (in-process, the library djpeg uses, no process
 * start-up in the figure) and, for the 1080p images, `djpeg` run 8 times in a shell loop
 * whose children's CPU time (bash `times`) minus that of the same loop on a 1x1 JPEG
 * gives the decode time per image. MB/s counts 4 output bytes a pixel for every decoder.
 * djpeg, cjpeg and tjbench are Debian's libjpeg-turbo-progs; without them only our
 * figures print.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJpeg, JPEG_IMAGE_OPTIONS, MJPEG_FRAME_OPTIONS } from '../src/codecs/jpeg.js';
import { goldenJpegs } from '../test/helpers/golden.js';

interface Jpeg { data: Uint8Array; width: number; height: number }
interface BenchSet { label: string; mjpeg: boolean; images: Jpeg[] }

function goldenSets(): BenchSet[] {
  const all = goldenJpegs();
  const pick = (mjpeg: boolean): Jpeg[] => all.filter((j) => j.mjpeg === mjpeg).map(({ data, width, height }) => ({ data, width, height }));
  return [
    { label: 'golden JPEG_ALPHA (image)', mjpeg: false, images: pick(false) },
    { label: 'golden MJPEG frames', mjpeg: true, images: pick(true) },
  ];
}

/** A 1920x1080-style screen as PPM: 'photo' = smooth colour fields with grain; 'desktop' = flat windows, text strokes, one photo area. */
function syntheticPpm(w: number, h: number, kind: 'photo' | 'desktop'): Uint8Array {
  const head = new TextEncoder().encode(`P6\n${w} ${h}\n255\n`);
  const out = new Uint8Array(head.length + w * h * 3);
  out.set(head);
  let s = 7;
  const noise = (): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 27) - 16;
  };
  const photo = (x: number, y: number, c: number): number =>
    128 + 60 * Math.sin(x * (0.011 + c * 0.003) + y * 0.007 + c) + 50 * Math.cos(y * (0.019 - c * 0.004) - x * 0.005 * c) + noise() * 0.4;
  let p = head.length;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        let v: number;
        if (kind === 'photo' || (x < w / 2 && y < h / 2)) v = photo(x, y, c);
        else {
          const win = ((x >> 7) + (y >> 6)) % 4;
          v = [235, 70 + c * 40, 200 - c * 30, 245][win];
          if (win !== 1 && y % 16 < 10 && (x * 7 + (y >> 4) * 13) % 11 < 5 && x % 80 < 60) v = 20; // text
        }
        out[p++] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return out;
}

function has(tool: string): boolean {
  const r = spawnSync(tool, tool === 'tjbench' ? [] : ['-version'], { stdio: 'ignore' });
  return r.error === undefined;
}

/**
 * Our CPU milliseconds per image: the best of repeated passes over the set for about
 * `seconds` (the best pass is the one least disturbed by other processes).
 */
function oursMs(set: BenchSet, seconds = 0.6): number {
  const opts = set.mjpeg ? MJPEG_FRAME_OPTIONS : JPEG_IMAGE_OPTIONS;
  const pass = (): void => { for (const im of set.images) decodeJpeg(im.data, opts); };
  pass();
  pass();
  let best = Infinity;
  const t0 = performance.now();
  do {
    const c0 = process.cpuUsage();
    pass();
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / 1000);
  } while (performance.now() - t0 < seconds * 1000);
  return best / set.images.length;
}

/** libjpeg-turbo's in-process throughput on one file, Mpixels/s (tjbench), or undefined. */
function tjbenchMpx(file: string, mjpeg: boolean): number | undefined {
  const args = [file, '-nowrite', '-quiet', '-benchtime', '0.25', '-warmup', '0.05'];
  if (mjpeg) args.push('-fastdct', '-fastupsample', '-bgrx');
  const r = spawnSync('tjbench', args, { encoding: 'utf8' });
  const line = r.stdout?.split('\n').find((l) => l.includes('(TD)'));
  const v = line ? Number(line.trim().split(/\s+/).pop()) : NaN;
  return Number.isFinite(v) ? v : undefined;
}

/** CPU seconds of `runs` djpeg processes on `file` (bash `times`, children's user + sys). */
function djpegLoopSeconds(file: string, args: string[], runs: number): number | undefined {
  const script = `for i in $(seq ${runs}); do djpeg ${args.join(' ')} -outfile /dev/null "$1" || exit 1; done; times`;
  const r = spawnSync('bash', ['-c', script, '_', file], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  const lines = r.stdout.trim().split('\n');
  const m = lines[lines.length - 1]?.match(/(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/);
  if (!m) return undefined;
  return Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4]);
}

const fmt = (x: number | undefined, d = 1): string => (x === undefined ? '—' : x.toFixed(d));

export default async function benchJpeg(): Promise<void> {
  const sets = goldenSets();
  const tools = { djpeg: has('djpeg'), cjpeg: has('cjpeg'), tjbench: has('tjbench') };
  const dir = mkdtempSync(join(tmpdir(), 'spice-jpeg-bench-'));
  try {
    if (tools.cjpeg) {
      for (const kind of ['photo', 'desktop'] as const) {
        const ppm = join(dir, `${kind}.ppm`);
        writeFileSync(ppm, syntheticPpm(1920, 1080, kind));
        for (const mjpeg of [false, true]) {
          if (mjpeg && kind === 'desktop') continue;
          const args = mjpeg ? ['-quality', '70', '-dct', 'fast'] : ['-quality', '85'];
          const r = spawnSync('cjpeg', [...args, ppm], { maxBuffer: 1 << 26 });
          if (r.status !== 0) continue;
          const data = new Uint8Array(r.stdout);
          sets.push({ label: `1920x1080 ${kind} q${mjpeg ? 70 : 85} (${mjpeg ? 'MJPEG' : 'image'})`, mjpeg, images: [{ data, width: 1920, height: 1080 }] });
        }
      }
    } else {
      console.log('cjpeg not found (Debian libjpeg-turbo-progs): 1080p images skipped');
    }
    if (!tools.tjbench || !tools.djpeg) console.log('tjbench/djpeg not found (Debian libjpeg-turbo-progs): no libjpeg-turbo figures');

    // djpeg's process start-up, to subtract from its loops.
    let startup: number | undefined;
    if (tools.djpeg) {
      const tiny = join(dir, 'tiny.jpg');
      const r = tools.cjpeg ? spawnSync('cjpeg', [], { input: syntheticPpm(1, 1, 'photo') }) : undefined;
      if (r?.status === 0) {
        writeFileSync(tiny, r.stdout);
        startup = djpegLoopSeconds(tiny, [], 20);
        if (startup !== undefined) startup /= 20;
      }
    }

    console.log('MB/s = output bytes (4 a pixel) per CPU second; ratio = libjpeg-turbo time / ours (1 = as fast)\n');
    console.log(`${'set'.padEnd(34)} ${'images'.padStart(6)} ${'ours ms'.padStart(9)} ${'ours MB/s'.padStart(10)} ${'tjbench MB/s'.padStart(13)} ${'ratio'.padStart(6)} ${'djpeg ms'.padStart(9)} ${'ratio'.padStart(6)}`);
    let frame1080: number | undefined;
    for (const set of sets) {
      if (set.images.length === 0) continue;
      const px = set.images.reduce((n, im) => n + im.width * im.height, 0) / set.images.length;
      const ms = oursMs(set);
      const mbs = (px * 4) / ms / 1e3;
      // tjbench on up to 3 images of the set (first, middle, last), averaged by time.
      let tj: number | undefined;
      let dj: number | undefined;
      if (tools.tjbench) {
        const pick = [...new Set([0, set.images.length >> 1, set.images.length - 1])];
        let secs = 0;
        let pixels = 0;
        for (const i of pick) {
          const f = join(dir, `tj${i}.jpg`);
          writeFileSync(f, set.images[i].data);
          const mpx = tjbenchMpx(f, set.mjpeg);
          if (mpx === undefined) { secs = NaN; break; }
          const p = set.images[i].width * set.images[i].height;
          secs += p / (mpx * 1e6);
          pixels += p;
        }
        if (secs > 0) tj = (pixels * 4) / secs / 1e6;
      }
      if (tools.djpeg && startup !== undefined && px >= 1e6) {
        const f = join(dir, 'dj.jpg');
        writeFileSync(f, set.images[0].data);
        const total = djpegLoopSeconds(f, set.mjpeg ? ['-dct', 'fast', '-nosmooth'] : [], 8);
        if (total !== undefined) dj = Math.max(0.0001, (total / 8 - startup) * 1000);
      }
      const tjRatio = tj !== undefined ? mbs / tj : undefined;
      const djRatio = dj !== undefined ? dj / ms : undefined;
      console.log(`${set.label.padEnd(34)} ${String(set.images.length).padStart(6)} ${fmt(ms, 3).padStart(9)} ${fmt(mbs).padStart(10)} ${fmt(tj).padStart(13)} ${fmt(tjRatio, 2).padStart(6)} ${fmt(dj, 2).padStart(9)} ${fmt(djRatio, 2).padStart(6)}`);
      if (set.mjpeg && px >= 1e6) frame1080 = ms;
    }
    if (startup !== undefined) console.log(`\n(djpeg start-up ${fmt(startup * 1000, 2)} ms a process, subtracted)`);
    if (frame1080 !== undefined) {
      console.log(`1080p MJPEG frame: ${fmt(frame1080)} ms of CPU; a 30 fps stream needs <= 33.3 ms (spice-server caps MJPEG at 25 fps: 40 ms). ` +
        `One core decodes ${fmt(1000 / frame1080, 0)} fps.`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
