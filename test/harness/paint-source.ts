/**
 * Pictures and a paintable display source for the server's cache tests: "drawn" content
 * (blocks, grid lines, dots: lossless codecs), "photos" (smooth waves with noise: QUIC/JPEG),
 * and a source that shows what a test paints, with damage exactly where it painted.
 */
import type { DisplaySource, SourceFrame, SourceRect, SourceSink } from '../../src/server/source.js';
import type { Img } from './serve.js';

/** A small deterministic PRNG (xorshift32). */
export function rng(seed: number): () => number {
  let s = (seed * 0x9e3779b1) >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s;
  };
}

/** A "drawn" picture: 8x8 blocks of a few colours, grid lines and text-like dots (LZ territory). */
export function drawn(seed: number, w: number, h: number): Uint32Array {
  const r = rng(seed);
  const palette = [0xffffff, 0xe0e0e0, r() & 0xffffff, r() & 0xffffff, r() & 0xffffff];
  const cols = Math.ceil(w / 8);
  const blocks = new Uint32Array(cols * Math.ceil(h / 8)).map(() => palette[r() % palette.length]!);
  const px = new Uint32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const ink = r() % 4 === 0;
      px[y * w + x] = (x % 8 === 0 || y % 12 === 0 ? 0x000080 : ink ? 0x101010 : blocks[(y >> 3) * cols + (x >> 3)]!) | 0xff000000;
    }
  }
  return px;
}

/** A "photo": smooth colour waves with a little noise (QUIC/JPEG territory). */
export function photo(seed: number, w: number, h: number): Uint32Array {
  const r = rng(seed);
  const f = [1 + (r() % 7), 1 + (r() % 5), 1 + (r() % 6)].map((k) => k / 97);
  const px = new Uint32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const c = (k: number, ph: number) => Math.max(0, Math.min(255, Math.round(128 + 90 * Math.sin(x * f[k]! + y * f[(k + 1) % 3]! + ph) + (r() % 5) - 2)));
      px[y * w + x] = (0xff000000 | (c(0, seed) << 16) | (c(1, seed * 2) << 8) | c(2, seed * 3)) >>> 0;
    }
  }
  return px;
}

/** A source that shows what the test paints, damage exactly where it painted. */
export class PaintSource implements DisplaySource {
  readonly name = 'paint';
  readonly pixels: Uint32Array;
  private sink?: SourceSink;

  constructor(readonly width: number, readonly height: number, background: Uint32Array) {
    this.pixels = background.slice();
  }

  async start(sink: SourceSink): Promise<void> {
    this.sink = sink;
  }

  frame(): SourceFrame {
    return { width: this.width, height: this.height, pixels: this.pixels, stride: this.width };
  }

  cursor() {
    return null;
  }

  async stop(): Promise<void> {}

  /** Copies a w x h picture to (x, y) and reports it. */
  paint(pic: Uint32Array, x: number, y: number, w: number, h: number): void {
    for (let row = 0; row < h; row++) this.pixels.set(pic.subarray(row * w, row * w + w), (y + row) * this.width + x);
    const r: SourceRect = { x, y, width: w, height: h };
    this.sink?.damage([r]);
  }

  /** A copy of the current picture. */
  img(): Img {
    return { width: this.width, height: this.height, pixels: this.pixels.slice() };
  }
}
