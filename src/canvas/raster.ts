/**
 * The software canvas primitives (spice-common's sw_canvas / pixman_utils
 * semantics) over a region of a surface: solid and tiled fills with a ROP,
 * raw and ROP blits that clip to the source, colour-keyed blits, scaled
 * copies through the pixman-like compositor, and the region copy of
 * COPY_BITS. Every primitive leaves narrow formats (16-bit, A8, A1)
 * re-quantized.
 */
import { composite, Repeat } from './composite.js';
import { pack555, pack565, quantizeRect, isNarrow, expand555, expand565 } from './pixfmt.js';
import type { Region } from './region.js';
import { Rop, ropCopyRow, ropSolidRow } from './rop.js';
import type { CanvasImage, ImageFormat } from './types.js';

/** A brush colour as sent (in the surface's own pixel format) -> stored word. */
export function colorForSurface(fmt: ImageFormat, c: number): number {
  switch (fmt) {
    case 'rgb555': return expand555(c & 0xffff);
    case 'rgb565': return expand565(c & 0xffff);
    case 'a8': return ((c & 0xff) << 24) >>> 0;
    case 'a1': return c & 1 ? 0xff000000 : 0;
    default: return c >>> 0;
  }
}

function requantize(dst: CanvasImage, region: Region): void {
  if (!isNarrow(dst.format)) return;
  region.forEachRect((x1, y1, x2, y2) => quantizeRect(dst, x1, y1, x2, y2));
}

/** Solid fill of `region` with a stored-format colour word. */
export function fillSolid(dst: CanvasImage, region: Region, color: number, rop: number): void {
  const px = dst.pixels, w = dst.width;
  region.forEachRect((x1, y1, x2, y2) => {
    for (let y = y1; y < y2; y++) ropSolidRow(rop, px, y * w + x1, x2 - x1, color);
  });
  if (rop !== Rop.COPY) requantize(dst, region);
}

/** Tiled fill: pixel (x, y) takes tile((x - ox) mod tw, (y - oy) mod th). */
export function fillTiled(dst: CanvasImage, region: Region, tile: CanvasImage, ox: number, oy: number, rop: number): void {
  const px = dst.pixels, w = dst.width, tw = tile.width, th = tile.height, tp = tile.pixels;
  if (tw <= 0 || th <= 0) return;
  let row = new Uint32Array(0);
  region.forEachRect((x1, y1, x2, y2) => {
    const n = x2 - x1;
    if (row.length < n) row = new Uint32Array(n);
    const tx0 = (((x1 - ox) % tw) + tw) % tw;
    for (let y = y1; y < y2; y++) {
      const ty = (((y - oy) % th) + th) % th, to = ty * tw;
      for (let i = 0, tx = tx0; i < n; i++) { row[i] = tp[to + tx]!; if (++tx === tw) tx = 0; }
      ropCopyRow(rop, px, y * w + x1, row, 0, n);
    }
  });
  requantize(dst, region);
}

/**
 * Copies src(x - ox, y - oy) to (x, y) with `rop` over `region`, skipping
 * pixels whose source is outside `src`. When `src` is `dst` the source is
 * read before anything is written.
 */
export function blit(dst: CanvasImage, region: Region, src: CanvasImage, ox: number, oy: number, rop: number): void {
  const px = dst.pixels, w = dst.width;
  let sp = src.pixels;
  if (src.pixels === dst.pixels) sp = sp.slice();
  region.forEachRect((x1, y1, x2, y2) => {
    // Clip to the source like spice_pixman_blit.
    const sx1 = Math.max(x1 - ox, 0), sy1 = Math.max(y1 - oy, 0);
    const sx2 = Math.min(x2 - ox, src.width), sy2 = Math.min(y2 - oy, src.height);
    if (sx1 >= sx2 || sy1 >= sy2) return;
    const n = sx2 - sx1;
    for (let sy = sy1; sy < sy2; sy++) ropCopyRow(rop, px, (sy + oy) * w + sx1 + ox, sp, sy * src.width + sx1, n);
  });
  if (rop !== Rop.COPY || src.format !== dst.format) requantize(dst, region);
}

/** Colour-keyed blit: source pixels equal to `key` (in the surface's format) are skipped. */
export function blitColorKey(dst: CanvasImage, region: Region, src: CanvasImage, ox: number, oy: number, key: number): void {
  const px = dst.pixels, w = dst.width, fmt = dst.format;
  let sp = src.pixels;
  if (src.pixels === dst.pixels) sp = sp.slice();
  const cmp: (v: number) => number = fmt === 'rgb555' ? pack555 : fmt === 'rgb565' ? pack565
    : fmt === 'a8' || fmt === 'a1' ? (v) => v >>> 24 : (v) => v & 0xffffff;
  const k = fmt === 'rgb555' || fmt === 'rgb565' ? key & 0xffff : fmt === 'a8' || fmt === 'a1' ? key & 0xff : key & 0xffffff;
  region.forEachRect((x1, y1, x2, y2) => {
    const sx1 = Math.max(x1 - ox, 0), sy1 = Math.max(y1 - oy, 0);
    const sx2 = Math.min(x2 - ox, src.width), sy2 = Math.min(y2 - oy, src.height);
    for (let sy = sy1; sy < sy2; sy++) {
      const so = sy * src.width, d = (sy + oy) * w + ox;
      for (let sx = sx1; sx < sx2; sx++) {
        const v = sp[so + sx]!;
        if (cmp(v) !== k) px[d + sx] = v;
      }
    }
  });
  requantize(dst, region);
}

/** Fixed-point scale factors of the reference's __scale_image: src * 65536 / dest, truncated. */
export function scaleFactor(srcLen: number, destLen: number): number {
  return Math.trunc((srcLen * 65536) / destLen);
}

export interface ScaleArgs {
  src: CanvasImage;
  srcX: number; srcY: number; srcW: number; srcH: number;
  destX: number; destY: number; destW: number; destH: number;
  bilinear: boolean;
}

/** 32-bit words of a 32-bit source can be copied raw by pixman's nearest SRC fast paths. */
function rawNearest(src: ImageFormat, dst: ImageFormat): boolean {
  return (dst === 'xrgb' && (src === 'xrgb' || src === 'argb')) || (dst === 'argb' && src === 'argb');
}

function scalePic(a: ScaleArgs, destFormat: ImageFormat) {
  const fsx = scaleFactor(a.srcW, a.destW), fsy = scaleFactor(a.srcH, a.destH);
  return {
    image: a.src,
    transform: [fsx, 0, a.srcX * 65536, 0, fsy, a.srcY * 65536],
    bilinear: a.bilinear,
    repeat: Repeat.NONE,
    raw: !a.bilinear && rawNearest(a.src.format, destFormat),
  };
}

/** Scaled copy (ROP COPY): pixman SRC of the scaled source into the dest box, clipped by `region`. */
export function scaleCopy(dst: CanvasImage, region: Region, a: ScaleArgs): void {
  if (a.destW <= 0 || a.destH <= 0) return;
  composite({
    op: 1, src: scalePic(a, dst.format), dest: dst, srcX: 0, srcY: 0,
    destX: a.destX, destY: a.destY, width: a.destW, height: a.destH, clip: region,
  });
}

/**
 * The scaled source as its own image (destW x destH, the source's format),
 * computed only inside `region` (translated to the box); zero elsewhere.
 */
export function scaledImage(region: Region, a: ScaleArgs): CanvasImage {
  const img: CanvasImage = { width: a.destW, height: a.destH, pixels: new Uint32Array(a.destW * a.destH), format: a.src.format };
  composite({
    op: 1, src: scalePic(a, img.format), dest: img, srcX: 0, srcY: 0, destX: 0, destY: 0,
    width: a.destW, height: a.destH, clip: region.translate(-a.destX, -a.destY),
  });
  return img;
}

let copyScratch = new Uint32Array(0);

/** COPY_BITS: moves region pixels from (x - dx, y - dy) to (x, y), as if all were read first. */
export function copyRegion(dst: CanvasImage, region: Region, dx: number, dy: number): void {
  const px = dst.pixels, w = dst.width;
  const ext = region.extents();
  if (!ext) return;
  const [ex1, ey1, ex2, ey2] = ext;
  const sx1 = ex1 - dx, sy1 = ey1 - dy, sw = ex2 - ex1, sh = ey2 - ey1;
  // One rectangle read from inside the image (a scroll): move the rows in place, in the
  // order that never reads a row already written (copyWithin handles overlap in a row).
  const single = region.bands.length === 1 && region.bands[0]!.xs.length === 2;
  if (single && sx1 >= 0 && sy1 >= 0 && sx1 + sw <= w && sy1 + sh <= dst.height && ex1 >= 0 && ex2 <= w && ey1 >= 0 && ey2 <= dst.height) {
    if (dy > 0) {
      for (let y = sh - 1; y >= 0; y--) px.copyWithin((ey1 + y) * w + ex1, (sy1 + y) * w + sx1, (sy1 + y) * w + sx1 + sw);
    } else {
      for (let y = 0; y < sh; y++) px.copyWithin((ey1 + y) * w + ex1, (sy1 + y) * w + sx1, (sy1 + y) * w + sx1 + sw);
    }
    return;
  }
  // Otherwise snapshot the source rows the region reads (outside the image: 0), then write.
  if (copyScratch.length < sw * sh) copyScratch = new Uint32Array(sw * sh);
  const tmp = copyScratch.subarray(0, sw * sh);
  tmp.fill(0);
  for (let y = 0; y < sh; y++) {
    const sy = sy1 + y;
    if (sy < 0 || sy >= dst.height) continue;
    const a = Math.max(sx1, 0), b = Math.min(sx1 + sw, w);
    if (a < b) tmp.set(px.subarray(sy * w + a, sy * w + b), y * sw + (a - sx1));
  }
  region.forEachRect((x1, y1, x2, y2) => {
    for (let y = y1; y < y2; y++) px.set(tmp.subarray((y - ey1) * sw + (x1 - ex1), (y - ey1) * sw + (x2 - ex1)), y * w + x1);
  });
}
