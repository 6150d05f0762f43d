/**
 * LZ / GLZ encoder bench (run by bench/run.ts): encode throughput in MB/s of
 * input (4 bytes per pixel) and compressed size, on
 * - the LZ images of the golden captures, decoded then re-encoded, next to
 *   the size the real server sent;
 * - each capture's GLZ images (ZLIB_GLZ payloads inflated) as one sequence
 *   through one GlzEncoder, likewise;
 * - a synthetic 1280x800 desktop-like frame (flat areas, gradients, window
 *   frames, text, a noisy photo), as LZ, and as GLZ the same frame after a
 *   small change (the second refers to the first).
 * References in the same run: our LZ decoder on our output, and a plain copy
 * of the pixels.
 */
import { decodeLz } from '../src/codecs/lz.js';
import { GlzDictionary } from '../src/codecs/glz.js';
import { inflateZlib } from '../src/codecs/inflate.js';
import { encodeLz } from '../src/codecs/encode/lz-encode.js';
import { GlzEncoder } from '../src/codecs/encode/glz-encode.js';
import type { EncodeSource } from '../src/codecs/encode/types.js';
import { timeIt as timeFor } from './timing.js';
import { goldenFiles, loadGolden, displayImages } from '../test/helpers/golden.js';


const timeIt = (fn: () => void, seconds = 1) => timeFor(fn, seconds);

const row = (label: string, mbs: number, extra = '') => console.log(`${label.padEnd(40)} ${mbs.toFixed(1).padStart(8)} MB/s${extra}`);

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 1280x800 frame that looks like a desktop: wallpaper gradient, windows, text lines, a photo. */
export function desktopFrame(width = 1280, height = 800, seed = 1): Uint32Array {
  const px = new Uint32Array(width * height);
  const rand = rng(seed);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) px[y * width + x] = 0xff000000 | ((40 + (y >> 3)) << 16) | ((60 + (x >> 4)) << 8) | 120;
  }
  const fill = (x0: number, y0: number, w: number, h: number, c: number) => {
    for (let y = y0; y < y0 + h && y < height; y++) px.fill(c, y * width + x0, y * width + Math.min(width, x0 + w));
  };
  // a few 8x14 glyphs, drawn as anti-aliased-looking bitmaps
  const glyphs: Uint8Array[] = [];
  for (let g = 0; g < 60; g++) {
    const b = new Uint8Array(8 * 14);
    for (let i = 0; i < b.length; i++) b[i] = rand() < 0.3 ? (rand() < 0.5 ? 255 : 128) : 0;
    glyphs.push(b);
  }
  const windows = [[60, 40, 700, 500], [500, 250, 720, 480], [100, 560, 400, 220]];
  for (const [wx, wy, ww, wh] of windows) {
    fill(wx, wy, ww, wh, 0xffc0c0c0);
    fill(wx + 2, wy + 2, ww - 4, 24, 0xff2050a0);
    fill(wx + 4, wy + 30, ww - 8, wh - 34, 0xffffffff);
    for (let line = 0; line * 16 + 40 < wh - 20; line++) {
      const words = Math.floor(rand() * (ww / 9 - 10));
      for (let c = 0; c < words; c++) {
        const g = glyphs[Math.floor(rand() * (rand() < 0.15 ? 1 : glyphs.length))];
        const gx = wx + 10 + c * 9;
        const gy = wy + 40 + line * 16;
        for (let yy = 0; yy < 14; yy++) {
          for (let xx = 0; xx < 8; xx++) {
            const v = 255 - g[yy * 8 + xx];
            const o = (gy + yy) * width + gx + xx;
            if (gy + yy < height && gx + xx < width) px[o] = 0xff000000 | (v << 16) | (v << 8) | v;
          }
        }
      }
    }
  }
  // a photo: smooth colours plus noise
  for (let y = 300; y < 300 + 200; y++) {
    for (let x = 820; x < 820 + 300; x++) {
      const n = Math.floor(rand() * 24);
      px[y * width + x] = 0xff000000 | (((x * 3 + n) & 255) << 16) | (((y * 2 + n) & 255) << 8) | ((x + y + n) & 255);
    }
  }
  return px;
}

export default async function benchLzEncode(): Promise<void> {
  const lz: { src: EncodeSource; alpha: boolean; theirs: number }[] = [];
  const sessions: { name: string; images: { src: EncodeSource; alpha: boolean }[]; theirs: number }[] = [];
  for (const f of goldenFiles()) {
    const s = loadGolden(f);
    const dict = new GlzDictionary({ windowPixels: 1 << 25 });
    const seq: { src: EncodeSource; alpha: boolean }[] = [];
    let theirs = 0;
    for (const img of displayImages(s)) {
      const t = img.descriptor.type;
      if (t === 101) {
        const r = decodeLz(img.lz_rgb.data);
        lz.push({ src: { pixels: r.pixels, stride: r.width, x: 0, y: 0, width: r.width, height: r.height }, alpha: r.format === 'argb', theirs: img.lz_rgb.data.length });
      } else if (t === 102 || t === 107) {
        const data: Uint8Array = t === 102 ? img.lz_rgb.data : inflateZlib(img.zlib_glz.data, img.zlib_glz.glz_data_size);
        const r = dict.decode(data);
        if (r instanceof Promise) throw new Error(`${f}: GLZ image waits for a missing image`);
        seq.push({ src: { pixels: r.pixels, stride: r.width, x: 0, y: 0, width: r.width, height: r.height }, alpha: r.format === 'argb' });
        theirs += data.length;
      }
    }
    if (seq.length) sessions.push({ name: f, images: seq, theirs });
  }

  // LZ on the golden images
  const lzIn = lz.reduce((n, i) => n + i.src.width * i.src.height * 4, 0);
  const lzTheirs = lz.reduce((n, i) => n + i.theirs, 0);
  let lzOurs = 0;
  const encoded: Uint8Array[] = [];
  for (const i of lz) {
    const e = encodeLz(i.src, { alpha: i.alpha });
    lzOurs += e.length;
    encoded.push(e);
  }
  console.log(`corpus: ${lz.length} LZ images (${(lzIn / 1e6).toFixed(1)} MB of pixels), `
    + `${sessions.reduce((n, s) => n + s.images.length, 0)} GLZ images in ${sessions.length} sessions\n`);
  const enc = timeIt(() => {
    for (const i of lz) encodeLz(i.src, { alpha: i.alpha });
  });
  const dec = timeIt(() => {
    for (const e of encoded) decodeLz(e);
  });
  row('LZ encode, golden images', lzIn / enc / 1e6,
    `   ${lzOurs} bytes, x${(lzOurs / lzTheirs).toFixed(3)} the server's ${lzTheirs}, ratio ${(lzIn / lzOurs).toFixed(1)}:1`);
  row('  (LZ decode of that output)', lzIn / dec / 1e6);

  // GLZ on the golden sequences (one encoder per session, reset between runs)
  let glzIn = 0;
  let glzOurs = 0;
  let glzTheirs = 0;
  const encoders = sessions.map(() => new GlzEncoder({ windowPixels: 14679040 }));
  for (const [k, s] of sessions.entries()) {
    for (const i of s.images) glzIn += i.src.width * i.src.height * 4;
    glzTheirs += s.theirs;
    for (const i of s.images) glzOurs += encoders[k].encode(i.src, { alpha: i.alpha }).length;
  }
  const glzT = timeIt(() => {
    for (const [k, s] of sessions.entries()) {
      const g = encoders[k];
      g.reset();
      for (const i of s.images) g.encode(i.src, { alpha: i.alpha });
    }
  });
  row('GLZ encode, golden sequences', glzIn / glzT / 1e6,
    `   ${glzOurs} bytes, x${(glzOurs / glzTheirs).toFixed(3)} the server's ${glzTheirs}`);
  let lzOfGlz = 0;
  for (const s of sessions) for (const i of s.images) lzOfGlz += encodeLz(i.src, { alpha: i.alpha }).length;
  const lzOfGlzT = timeIt(() => {
    for (const s of sessions) for (const i of s.images) encodeLz(i.src, { alpha: i.alpha });
  });
  row('  (LZ encode of the same images)', glzIn / lzOfGlzT / 1e6, `   ${lzOfGlz} bytes (no references between images)`);

  // synthetic desktop frame
  const W = 1280;
  const H = 800;
  const frame = desktopFrame(W, H);
  const frameSrc: EncodeSource = { pixels: frame, stride: W, x: 0, y: 0, width: W, height: H };
  const inBytes = W * H * 4;
  const lzFrame = encodeLz(frameSrc);
  const tLz = timeIt(() => encodeLz(frameSrc));
  row('LZ encode, 1280x800 desktop', inBytes / tLz / 1e6, `   ${lzFrame.length} bytes, ratio ${(inBytes / lzFrame.length).toFixed(1)}:1`);
  const lzaFrame = encodeLz(frameSrc, { alpha: true });
  const tLza = timeIt(() => encodeLz(frameSrc, { alpha: true }));
  row('LZ encode, 1280x800 desktop, RGBA', inBytes / tLza / 1e6, `   ${lzaFrame.length} bytes, ratio ${(inBytes / lzaFrame.length).toFixed(1)}:1`);
  const tDec = timeIt(() => decodeLz(lzFrame));
  row('  (LZ decode of that frame)', inBytes / tDec / 1e6);
  const copy = new Uint32Array(W * H);
  const tCopy = timeIt(() => copy.set(frame));
  row('  (plain copy of the frame)', inBytes / tCopy / 1e6);

  // GLZ: the frame alone (after reset), then alternating with a changed copy through one encoder
  const frame2 = frame.slice();
  for (let y = 100; y < 300; y++) frame2.fill(0xff336699, y * W + 200, y * W + 600);
  const src2: EncodeSource = { ...frameSrc, pixels: frame2 };
  const g = new GlzEncoder({ windowPixels: 4 * W * H });
  const first = g.encode(frameSrc).length;
  const tFirst = timeIt(() => {
    g.reset();
    g.encode(frameSrc);
  });
  row('GLZ encode, 1280x800 desktop, first', inBytes / tFirst / 1e6, `   ${first} bytes, ratio ${(inBytes / first).toFixed(1)}:1`);
  g.reset();
  g.encode(frameSrc);
  const second = g.encode(src2).length;
  let flip = false;
  const tG = timeIt(() => {
    g.encode(flip ? frameSrc : src2);
    flip = !flip;
  });
  row('GLZ encode, 1280x800 desktop, changes', inBytes / tG / 1e6,
    `   changed copy ${second} bytes (${((100 * second) / first).toFixed(1)}% of the first)`);
}
