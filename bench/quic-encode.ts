/**
 * QUIC encoder bench (run by bench/run.ts): encodes the golden captures'
 * QUIC images (decoded first; RGBA ones as RGBA) and a synthetic 1280x800
 * desktop-like frame, reporting input MB/s (4 bytes a pixel), the
 * compression ratio, and, as the reference measured in the same run, our
 * decoder on the very streams the encoder wrote.
 */
import { decodeQuic, decodeQuicInto } from '../src/codecs/quic.js';
import { QuicEncoder } from '../src/codecs/encode/quic-encode.js';
import type { EncodeSource } from '../src/codecs/encode/types.js';
import { goldenQuicImages } from './quic.js';

interface Case { src: EncodeSource; alpha: boolean; serverBytes?: number }

/**
 * A 1280x800 frame like a desktop: a flat background, windows with title
 * bar gradients, lines of "text", and a noisy photo. Deterministic.
 */
export function desktopFrame(w = 1280, h = 800): Uint32Array {
  const px = new Uint32Array(w * h).fill(0xff3a6ea5);
  let s = 12345;
  const rnd = (): number => {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    return (s >>>= 0);
  };
  const rect = (x0: number, y0: number, x1: number, y1: number, f: (x: number, y: number) => number): void => {
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) px[y * w + x] = (0xff000000 | f(x - x0, y - y0)) >>> 0;
  };
  rect(0, h - 30, w, h, () => 0x202020); // panel
  const windows: [number, number, number, number][] = [[60, 40, 760, 520], [420, 180, 1220, 720]];
  for (const [x0, y0, x1, y1] of windows) {
    rect(x0, y0, x1, y0 + 24, (x) => ((0x30 + (x >> 3)) & 255) << 16 | 0x5080 << 0); // title bar
    rect(x0, y0 + 24, x1, y1, () => 0xf6f5f4);
    // text: glyph-like strokes on every 16-pixel line
    for (let ty = y0 + 34; ty + 12 < y1; ty += 16) {
      let tx = x0 + 10;
      while (tx < x1 - 80) {
        const word = 3 + (rnd() % 8);
        for (let k = 0; k < word * 7; k++) {
          for (let yy = 0; yy < 11; yy++) {
            if ((rnd() & 7) < 2) px[(ty + yy) * w + tx + k] = 0xff2e3436;
            else if ((rnd() & 15) === 0) px[(ty + yy) * w + tx + k] = 0xff8a8f90;
          }
        }
        tx += word * 7 + 6;
      }
    }
  }
  // a photo: smooth base plus noise
  rect(800, 60, 1180, 330, (x, y) => {
    const n = rnd() & 0x0f0f0f;
    return ((((x >> 1) + 60) & 255) << 16 | (((y >> 1) + 90) & 255) << 8 | ((x + y) >> 2 & 255)) + n;
  });
  return px;
}

function secondsFor(fn: () => void, passes: number): number {
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < passes; k++) fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function run(label: string, cases: Case[]): void {
  const enc = new QuicEncoder();
  const pixels = cases.reduce((n, c) => n + c.src.width * c.src.height, 0);
  const streams = cases.map((c) => enc.encode(c.src, { alpha: c.alpha }));
  const outBytes = streams.reduce((n, d) => n + d.length, 0);
  const outs = cases.map((c) => new Uint32Array(c.src.width * c.src.height));
  const encodeAll = (): void => {
    for (const c of cases) enc.encodeView(c.src, { alpha: c.alpha });
  };
  const decodeAll = (): void => {
    for (let i = 0; i < cases.length; i++) decodeQuicInto(streams[i]!, outs[i]!);
  };
  for (let k = 0; k < 5; k++) { encodeAll(); decodeAll(); }
  const encPasses = Math.max(1, Math.round(0.2 / (secondsFor(encodeAll, 2) / 2)));
  const decPasses = Math.max(1, Math.round(0.2 / (secondsFor(decodeAll, 2) / 2)));
  // Alternate rounds so that drifting machine load weighs on both alike.
  let sEnc = 0, sDec = 0;
  const rounds = 6;
  for (let r = 0; r < rounds; r++) {
    sEnc += secondsFor(encodeAll, encPasses);
    sDec += secondsFor(decodeAll, decPasses);
  }
  const mb = (pixels * 4) / 1e6;
  const encMBs = (mb * encPasses * rounds) / sEnc;
  const decMBs = (mb * decPasses * rounds) / sDec;
  console.log(`${label}: ${cases.length} image(s), ${(pixels / 1e6).toFixed(2)} Mpixel, ` +
    `${(mb).toFixed(2)} MB in, ${(outBytes / 1e3).toFixed(1)} kB out, compression ${(mb * 1e6 / outBytes).toFixed(2)}:1`);
  const server = cases.every((c) => c.serverBytes !== undefined) ? cases.reduce((n, c) => n + c.serverBytes!, 0) : undefined;
  if (server !== undefined) console.log(`  size vs spice-server's streams: ${(outBytes / server).toFixed(4)}x`);
  console.log(`  spice-ts QuicEncoder.encodeView  ${encMBs.toFixed(1).padStart(7)} MB/s in   (${(sEnc * 1000 / encPasses / rounds).toFixed(2)} ms/pass)`);
  console.log(`  reference: decodeQuicInto        ${decMBs.toFixed(1).padStart(7)} MB/s out  (same streams)`);
  console.log(`  ratio encode / decode: ${(encMBs / decMBs).toFixed(2)}x`);
}

export default async function benchQuicEncode(): Promise<void> {
  const golden: Case[] = goldenQuicImages().map((im) => {
    const d = decodeQuic(im.data);
    return {
      src: { pixels: d.pixels, stride: d.width, x: 0, y: 0, width: d.width, height: d.height },
      alpha: d.quicType === 'rgba', serverBytes: im.data.length,
    };
  });
  run('golden QUIC images (re-encoded from their pixels)', golden);
  const frame = desktopFrame();
  const src: EncodeSource = { pixels: frame, stride: 1280, x: 0, y: 0, width: 1280, height: 800 };
  run('synthetic 1280x800 desktop frame, RGB32', [{ src, alpha: false }]);
  run('synthetic 1280x800 desktop frame, RGBA', [{ src, alpha: true }]);
}
