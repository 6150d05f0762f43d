/**
 * The pure parts of putting a surface on a <canvas>: which rectangles changed since the
 * last animation frame, 0xAARRGGBB words to the RGBA bytes ImageData holds, and how big
 * the canvas is drawn in each scale mode. No DOM here (unit-tested in Node).
 */
import type { Rect } from '../canvas/types.js';

/** A rectangle as x0,y0 inclusive and x1,y1 exclusive (surface pixels). */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const area = (b: Box) => (b.x1 - b.x0) * (b.y1 - b.y0);

/**
 * Damage collected between two frames. Small updates stay separate (copying a few
 * rectangles beats converting their bounding box); past `maxBoxes` a new rectangle is
 * merged into the box whose area grows least.
 */
export class DirtyRects {
  private boxes: Box[] = [];

  constructor(private readonly maxBoxes = 16) {}

  get empty(): boolean {
    return this.boxes.length === 0;
  }

  /** Adds `r` clipped to width x height; empty results are dropped. */
  add(r: Rect, width: number, height: number): void {
    const b: Box = {
      x0: Math.max(0, Math.floor(r.left)), y0: Math.max(0, Math.floor(r.top)),
      x1: Math.min(width, Math.ceil(r.right)), y1: Math.min(height, Math.ceil(r.bottom)),
    };
    if (!(b.x1 > b.x0 && b.y1 > b.y0)) return;
    for (let i = this.boxes.length - 1; i >= 0; i--) {
      const o = this.boxes[i]!;
      if (o.x0 <= b.x0 && o.y0 <= b.y0 && o.x1 >= b.x1 && o.y1 >= b.y1) return;
      if (b.x0 <= o.x0 && b.y0 <= o.y0 && b.x1 >= o.x1 && b.y1 >= o.y1) this.boxes.splice(i, 1);
    }
    if (this.boxes.length < this.maxBoxes) { this.boxes.push(b); return; }
    let best = 0;
    let bestGrowth = Infinity;
    for (let i = 0; i < this.boxes.length; i++) {
      const g = area(union(this.boxes[i]!, b)) - area(this.boxes[i]!);
      if (g < bestGrowth) { bestGrowth = g; best = i; }
    }
    this.boxes[best] = union(this.boxes[best]!, b);
  }

  /** Everything, e.g. after the surface was created. */
  addAll(width: number, height: number): void {
    this.boxes = width > 0 && height > 0 ? [{ x0: 0, y0: 0, x1: width, y1: height }] : [];
  }

  /** The boxes collected so far; the list is emptied. */
  take(): Box[] {
    const out = this.boxes;
    this.boxes = [];
    return out;
  }
}

function union(a: Box, b: Box): Box {
  return { x0: Math.min(a.x0, b.x0), y0: Math.min(a.y0, b.y0), x1: Math.max(a.x1, b.x1), y1: Math.max(a.y1, b.y1) };
}

/** True where a Uint32Array's low byte comes first in memory (every browser in practice). */
export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Converts box `b` of `src` (0xAARRGGBB words, `width` per row) into `dst`, the RGBA bytes
 * of an ImageData of the same width, alpha forced to 0xFF (the primary surface is opaque;
 * its top byte is the "X" byte, not alpha). Throws on a box outside the image rather than
 * writing out of bounds.
 */
export function argbToRgba(src: Uint32Array, width: number, dst: Uint8ClampedArray, b: Box): void {
  const height = width > 0 ? Math.floor(src.length / width) : 0;
  if (b.x0 < 0 || b.y0 < 0 || b.x1 > width || b.y1 > height || b.x0 > b.x1 || b.y0 > b.y1) {
    throw new RangeError(`box ${b.x0},${b.y0}-${b.x1},${b.y1} is outside the ${width}x${height} surface`);
  }
  if (dst.length < src.length * 4) throw new RangeError(`the RGBA buffer holds ${dst.length} bytes, the surface needs ${src.length * 4}`);
  if (LITTLE_ENDIAN) {
    const d32 = new Uint32Array(dst.buffer, dst.byteOffset, dst.length >> 2);
    for (let y = b.y0; y < b.y1; y++) {
      const row = y * width;
      for (let i = row + b.x0, end = row + b.x1; i < end; i++) {
        const p = src[i]!;
        // 0xAARRGGBB -> bytes R,G,B,A = the little-endian word 0xFFBBGGRR
        d32[i] = 0xff000000 | ((p & 0xff) << 16) | (p & 0xff00) | ((p >>> 16) & 0xff);
      }
    }
    return;
  }
  for (let y = b.y0; y < b.y1; y++) {
    const row = y * width;
    for (let i = row + b.x0, end = row + b.x1; i < end; i++) {
      const p = src[i]!;
      const o = i * 4;
      dst[o] = (p >>> 16) & 0xff;
      dst[o + 1] = (p >>> 8) & 0xff;
      dst[o + 2] = p & 0xff;
      dst[o + 3] = 0xff;
    }
  }
}

/**
 * How the surface is shown: 'fit' scales it to the container (both ways, aspect kept);
 * 'none' shows one surface pixel per device pixel (CSS size = size / devicePixelRatio),
 * scrolling when it does not fit, so nothing is resampled on HiDPI screens either;
 * 'resize' asks the guest (through its agent) for a screen the size of the container and
 * meanwhile (or without an agent) shows it as 'fit' does.
 */
export type ScaleMode = 'fit' | 'none' | 'resize';

export const SCALE_MODES: readonly ScaleMode[] = ['fit', 'none', 'resize'];

export function isScaleMode(v: unknown): v is ScaleMode {
  return v === 'fit' || v === 'none' || v === 'resize';
}

/** The CSS size of the canvas for a surface in a container (CSS pixels). */
export function canvasCssSize(
  mode: ScaleMode, surface: { width: number; height: number },
  container: { width: number; height: number }, devicePixelRatio = 1,
): { width: number; height: number; scale: number } {
  const dpr = devicePixelRatio > 0 && Number.isFinite(devicePixelRatio) ? devicePixelRatio : 1;
  if (surface.width <= 0 || surface.height <= 0) return { width: 0, height: 0, scale: 1 };
  if (mode === 'none' || container.width <= 0 || container.height <= 0) {
    return { width: surface.width / dpr, height: surface.height / dpr, scale: 1 / dpr };
  }
  const scale = Math.min(container.width / surface.width, container.height / surface.height);
  return { width: surface.width * scale, height: surface.height * scale, scale };
}
