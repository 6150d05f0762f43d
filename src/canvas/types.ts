/**
 * Canvas data model: images and surfaces as the draw operations see them.
 *
 * Every image and surface keeps its pixels as 32-bit words 0xAARRGGBB in a
 * Uint32Array, top-down, `width` words per row (the convention of
 * src/codecs/types.ts). What the words mean depends on `format`, which
 * mirrors the pixman format the reference canvas (spice-common) would use:
 *
 * - 'xrgb'  x8r8g8b8. The top byte is the "X" byte: never read as alpha by
 *           colour operations, but kept as the reference keeps it in memory
 *           (raw copies, ROPs and fills carry it; a Windows guest can later
 *           read it back as alpha with SRC_SURFACE_HAS_ALPHA). Present these
 *           pixels with alpha forced to 0xFF (see `opaqueCopy`).
 * - 'argb'  a8r8g8b8, premultiplied alpha (pixman's meaning, and what the
 *           guests send for RGBA bitmaps).
 * - 'rgb555' / 'rgb565'  16-bit formats, stored expanded to 8 bits per
 *           channel the way pixman expands them (high bits replicated into the
 *           low ones), alpha 0xFF. Every write re-quantizes, so the stored
 *           words always hold exactly the 16-bit value the reference holds
 *           (except bit 15 of x1r5g5b5, which is not kept).
 * - 'a8'    alpha only: the value in the top byte, RGB 0.
 * - 'a1'    one bit: 0xFF000000 (set) or 0 (clear).
 */
import { ErrorCode, SpiceError } from '../protocol/errors.js';

export type ImageFormat = 'xrgb' | 'argb' | 'rgb555' | 'rgb565' | 'a8' | 'a1';

/** A decoded image (or a surface's pixels) as the canvas uses it. */
export interface CanvasImage {
  width: number;
  height: number;
  pixels: Uint32Array;
  format: ImageFormat;
}

/** A rectangle as SPICE sends it (left/right, top/bottom exclusive ends). */
export interface Rect {
  top: number;
  left: number;
  bottom: number;
  right: number;
}

/** SPICE surface formats (SurfaceFmt in src/protocol/enums). */
export const SURFACE_FMT = {
  A1: 1, A8: 8, RGB555: 16, XRGB: 32, RGB565: 80, ARGB: 96,
} as const;

/** The storage format of a SPICE surface format, or undefined for an unknown one. */
export function surfaceImageFormat(fmt: number): ImageFormat | undefined {
  switch (fmt) {
    case SURFACE_FMT.A1: return 'a1';
    case SURFACE_FMT.A8: return 'a8';
    case SURFACE_FMT.RGB555: return 'rgb555';
    case SURFACE_FMT.RGB565: return 'rgb565';
    case SURFACE_FMT.XRGB: return 'xrgb';
    case SURFACE_FMT.ARGB: return 'argb';
    default: return undefined;
  }
}

/** One drawing surface of a display channel (surface 0 with PRIMARY is the screen). */
export class Surface implements CanvasImage {
  readonly pixels: Uint32Array;
  readonly format: ImageFormat;

  constructor(
    readonly id: number,
    readonly width: number,
    readonly height: number,
    /** SPICE surface format number (SurfaceFmt). */
    readonly surfaceFormat: number,
    readonly primary: boolean,
  ) {
    const f = surfaceImageFormat(surfaceFormat);
    if (!f) throw new SpiceError(ErrorCode.INCONSISTENT, `surface ${id}: unknown surface format ${surfaceFormat}`);
    this.format = f;
    // The reference allocates surfaces zeroed.
    this.pixels = new Uint32Array(width * height);
  }

  /**
   * The pixels of `rect` (default: all) as displayable 0xAARRGGBB words:
   * alpha forced to 0xFF for formats without alpha, A8/A1 shown as grey levels
   * of their alpha. ARGB stays premultiplied.
   */
  opaqueCopy(rect?: Rect): Uint32Array {
    const r = rect ?? { top: 0, left: 0, bottom: this.height, right: this.width };
    const x0 = Math.max(0, r.left), y0 = Math.max(0, r.top);
    const x1 = Math.min(this.width, r.right), y1 = Math.min(this.height, r.bottom);
    const w = Math.max(0, x1 - x0), h = Math.max(0, y1 - y0);
    const out = new Uint32Array(w * h);
    const src = this.pixels;
    for (let y = 0; y < h; y++) {
      const so = (y0 + y) * this.width + x0;
      const o = y * w;
      if (this.format === 'argb') {
        out.set(src.subarray(so, so + w), o);
      } else if (this.format === 'a8' || this.format === 'a1') {
        for (let x = 0; x < w; x++) {
          const a = src[so + x]! >>> 24;
          out[o + x] = (0xff000000 | (a << 16) | (a << 8) | a) >>> 0;
        }
      } else {
        for (let x = 0; x < w; x++) out[o + x] = (src[so + x]! | 0xff000000) >>> 0;
      }
    }
    return out;
  }
}

/** The brush, image or surface bounds check helper: throws when w*h is over `max`. */
export function checkPixels(what: string, width: number, height: number, max: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new SpiceError(ErrorCode.INCONSISTENT, `${what}: bad size ${width}x${height}`);
  }
  if (width * height > max) {
    throw new SpiceError(ErrorCode.LIMIT, `${what}: ${width}x${height} is over the limit of ${max} pixels`);
  }
}
