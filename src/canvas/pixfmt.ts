/**
 * Pixel-format arithmetic shared by the canvas: 16-bit packing as pixman
 * does it (truncate on store, replicate high bits on load), reading any
 * storage format as premultiplied a8r8g8b8, writing back, and the format
 * conversion the reference applies before drawing an image on a surface.
 */
import type { CanvasImage, ImageFormat } from './types.js';

/** x1r5g5b5 value -> expanded 0xFFRRGGBB. */
export function expand555(v: number): number {
  const r = (v >>> 10) & 31, g = (v >>> 5) & 31, b = v & 31;
  return (0xff000000 | (((r << 3) | (r >>> 2)) << 16) | (((g << 3) | (g >>> 2)) << 8) | ((b << 3) | (b >>> 2))) >>> 0;
}

/** r5g6b5 value -> expanded 0xFFRRGGBB. */
export function expand565(v: number): number {
  const r = (v >>> 11) & 31, g = (v >>> 5) & 63, b = v & 31;
  return (0xff000000 | (((r << 3) | (r >>> 2)) << 16) | (((g << 2) | (g >>> 4)) << 8) | ((b << 3) | (b >>> 2))) >>> 0;
}

export function pack555(p: number): number {
  return (((p >>> 19) & 31) << 10) | (((p >>> 11) & 31) << 5) | ((p >>> 3) & 31);
}

export function pack565(p: number): number {
  return (((p >>> 19) & 31) << 11) | (((p >>> 10) & 63) << 5) | ((p >>> 3) & 31);
}

/**
 * A word as the stored value of `fmt` would be after writing it raw (what a
 * ROP or a raw copy leaves in a narrow format): 16-bit formats keep only the
 * top bits of each channel, A8 only the top byte, A1 only the top bit.
 */
export function quantize(fmt: ImageFormat, p: number): number {
  switch (fmt) {
    case 'rgb555': return expand555(pack555(p));
    case 'rgb565': return expand565(pack565(p));
    case 'a8': return (p & 0xff000000) >>> 0;
    case 'a1': return p & 0x80000000 ? 0xff000000 : 0;
    default: return p >>> 0;
  }
}

/** True for the formats whose stored words must be re-quantized after a raw write. */
export function isNarrow(fmt: ImageFormat): boolean {
  return fmt === 'rgb555' || fmt === 'rgb565' || fmt === 'a8' || fmt === 'a1';
}

/** Re-quantizes rows [y0,y1) x [x0,x1) of a narrow-format image in place. */
export function quantizeRect(img: CanvasImage, x0: number, y0: number, x1: number, y1: number): void {
  if (!isNarrow(img.format)) return;
  const px = img.pixels, f = img.format;
  for (let y = y0; y < y1; y++) {
    const o = y * img.width;
    for (let x = x0; x < x1; x++) px[o + x] = quantize(f, px[o + x]!);
  }
}

/** The stored word read as premultiplied a8r8g8b8 (what pixman fetches). */
export function fetchArgb(fmt: ImageFormat, p: number): number {
  switch (fmt) {
    case 'argb': return p >>> 0;
    case 'a8': case 'a1': return (p & 0xff000000) >>> 0;
    default: return (p | 0xff000000) >>> 0;
  }
}

/**
 * An a8r8g8b8 result written into `fmt`. For 'xrgb' the X byte takes the
 * result's alpha, as the pixman fast paths leave it (documented deviation:
 * pixman's generic path would write 0; the byte is never shown).
 */
export function storeArgb(fmt: ImageFormat, v: number): number {
  switch (fmt) {
    case 'argb': case 'xrgb': return v >>> 0;
    case 'rgb555': return expand555(pack555(v));
    case 'rgb565': return expand565(pack565(v));
    case 'a8': return (v & 0xff000000) >>> 0;
    default: return v >>> 31 ? 0xff000000 : 0;
  }
}

/** The format an image is converted to before being drawn on a surface of format `dest`. */
export function targetFormat(dest: ImageFormat, sourceHasAlpha: boolean): ImageFormat {
  if (dest === 'xrgb' || dest === 'argb') return sourceHasAlpha ? 'argb' : 'xrgb';
  return dest;
}

/**
 * Converts an image to `to` as pixman's SRC composite would (the reference's
 * canvas_get_image with want_original = FALSE). Returns the same object when
 * nothing changes.
 */
export function convertImage(img: CanvasImage, to: ImageFormat): CanvasImage {
  const from = img.format;
  if (from === to) return img;
  // a8r8g8b8 data viewed as x8r8g8b8 is the same memory (the reference copies raw).
  if (from === 'argb' && to === 'xrgb') return { ...img, format: 'xrgb' };
  const n = img.width * img.height;
  const src = img.pixels;
  const out = new Uint32Array(n);
  if (to === 'xrgb') {
    // pixman's generic store for x8r8g8b8 leaves the X byte 0.
    for (let i = 0; i < n; i++) out[i] = fetchArgb(from, src[i]!) & 0xffffff;
  } else {
    for (let i = 0; i < n; i++) out[i] = storeArgb(to, fetchArgb(from, src[i]!));
  }
  return { width: img.width, height: img.height, pixels: out, format: to };
}
