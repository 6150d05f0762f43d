/**
 * What every image decoder produces, and the pixel convention shared by the
 * codecs and the canvas.
 *
 * Pixels are 32-bit words 0xAARRGGBB in a Uint32Array, rows top-down,
 * `width` words per row (no padding). On the little-endian hosts JavaScript
 * runs on, the bytes in memory are B,G,R,A: the layout of SPICE 32-bit
 * bitmaps and of pixman's a8r8g8b8, so copies need no swizzle. (A browser
 * ImageData is R,G,B,A: the viewer swaps when it presents a frame.)
 *
 * - Opaque formats (16/24/32-bit, palettes, JPEG, QUIC RGB) set alpha to 0xFF.
 * - Formats with alpha (RGBA, QUIC RGBA, LZ RGBA, JPEG_ALPHA) keep it, not premultiplied
 *   unless the source says so (the canvas decides how to blend).
 * - Alpha-only formats (A8, LZ A8, XXXA) put the value in the top byte and leave RGB 0.
 * - 1-bit and 4/8-bit palette formats are expanded through their palette.
 */

export type PixelFormat = 'xrgb' | 'argb' | 'a8';

export interface DecodedImage {
  width: number;
  height: number;
  /** 0xAARRGGBB words, top-down, `width` per row. */
  pixels: Uint32Array;
  /** What the alpha byte means: 'xrgb' = ignore (0xFF), 'argb' = real alpha, 'a8' = alpha only. */
  format: PixelFormat;
}

/** Limits every decoder honours; the caller passes its session options. */
export interface DecodeLimits {
  /** Largest width*height a decoder will allocate. Default 64 Mi pixels (16384 x 4096). */
  maxPixels?: number;
}

export const DEFAULT_MAX_PIXELS = 64 * 1024 * 1024;
