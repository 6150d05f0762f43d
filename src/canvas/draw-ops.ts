/**
 * The draw operations with more to them than a fill or a blit: image copies
 * with scaling, colour-keyed and alpha-blended images, ROP3, COMPOSITE,
 * strokes (spans from stroke.ts), text (coverage from glyphs.ts) and video
 * frames, each following spice-common's canvas_base.c / sw_canvas.c.
 */
import { BrushType, CompositeFlags, ImageType, StringFlags } from '../protocol/enums/index.js';
import { ErrorCode, SpiceError } from '../protocol/errors.js';
import type { DecodedImage } from '../codecs/types.js';
import { PixOp, validOp } from './combine8.js';
import { composite, Repeat, type ImagePic, type Pic } from './composite.js';
import type { Clip, DisplayCanvas } from './display-canvas.js';
import { renderGlyphs } from './glyphs.js';
import type { SpiceImage } from './images.js';
import { isNarrow, pack555, pack565, quantize, quantizeRect } from './pixfmt.js';
import { blit, blitColorKey, colorForSurface, copyRegion, scaleCopy, scaledImage, type ScaleArgs } from './raster.js';
import { Region } from './region.js';
import { Rop, rop3, ropCopyRow, ropFromDescriptor, ropSolidRow, type RopInput } from './rop.js';
import { rasterizeStroke } from './stroke.js';
import type { CanvasImage, Rect, Surface } from './types.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Body = any;

export const rop = (desc: number, s: RopInput, d: RopInput): number => ropFromDescriptor(desc, s, d);

const sameSize = (a: Rect, b: Rect): boolean => a.right - a.left === b.right - b.left && a.bottom - a.top === b.bottom - b.top;

function snapshotIfSelf(img: CanvasImage, surf: Surface): CanvasImage {
  return img.pixels === surf.pixels ? { ...img, pixels: img.pixels.slice() } : img;
}

function checkTemp(canvas: DisplayCanvas, what: string, w: number, h: number): void {
  if (w * h > canvas.maxImagePixels) throw new SpiceError(ErrorCode.LIMIT, `${what}: ${w}x${h} is over the limit of ${canvas.maxImagePixels} pixels`);
}

function scaleArgs(canvas: DisplayCanvas, surf: Surface, src: CanvasImage, area: Rect, box: Rect, mode: number): ScaleArgs {
  if (mode !== 0 && mode !== 1) throw new SpiceError(ErrorCode.INCONSISTENT, `unknown scale mode ${mode}`);
  const destW = box.right - box.left, destH = box.bottom - box.top;
  checkTemp(canvas, 'scaled image', destW, destH);
  return {
    src: snapshotIfSelf(src, surf), srcX: area.left, srcY: area.top, srcW: area.right - area.left, srcH: area.bottom - area.top,
    destX: box.left, destY: box.top, destW, destH, bilinear: mode === 0,
  };
}

/** DRAW_COPY / DRAW_BLEND / the image part of DRAW_OPAQUE. */
export function drawImage(canvas: DisplayCanvas, surf: Surface, region: Region, box: Rect, image: SpiceImage,
  native: CanvasImage | undefined, area: Rect, scaleMode: number, r: number): void {
  const src = canvas.drawable(surf, image, native);
  if (sameSize(box, area)) {
    blit(surf, region, src, box.left - area.left, box.top - area.top, r);
    return;
  }
  const a = scaleArgs(canvas, surf, src, area, box, scaleMode);
  if (r === Rop.COPY) scaleCopy(surf, region, a);
  else blit(surf, region, scaledImage(region, a), box.left, box.top, r);
}

/** DRAW_TRANSPARENT: a copy that skips pixels of the key colour (true_color in the surface's format). */
export function drawTransparent(canvas: DisplayCanvas, surf: Surface, region: Region, box: Rect, d: Body, native: CanvasImage | undefined): void {
  const tc = d.true_color >>> 0;
  const key = surf.format === 'xrgb' || surf.format === 'argb' ? tc : surf.format === 'rgb555' ? pack555(tc) : surf.format === 'rgb565' ? pack565(tc) : 0;
  const src = canvas.drawable(surf, d.src_bitmap, native);
  const area: Rect = d.src_area;
  if (sameSize(box, area)) {
    blitColorKey(surf, region, src, box.left - area.left, box.top - area.top, key);
    return;
  }
  const a = scaleArgs(canvas, surf, src, area, box, 1);
  blitColorKey(surf, region, scaledImage(region, a), box.left, box.top, key);
}

/** clear_dest_alpha of the reference: after OVER on an xRGB surface, clears X in the box if its first pixel has X = 0xFF. */
function clearDestAlpha(surf: Surface, x: number, y: number, w: number, h: number): void {
  if (x + w <= 0 || x >= surf.width || y + h <= 0 || y >= surf.height || w === 0 || h === 0) return;
  if (x < 0) { w += x; x = 0; }
  if (x + w > surf.width) w = surf.width - x;
  if (y < 0) { h += y; y = 0; }
  if (y + h > surf.height) h = surf.height - y;
  const px = surf.pixels;
  if ((px[y * surf.width + x]! >>> 24) !== 0xff) return;
  for (let yy = y; yy < y + h; yy++) {
    const o = yy * surf.width;
    for (let xx = x; xx < x + w; xx++) px[o + xx] = px[o + xx]! & 0x00ffffff;
  }
}

/** DRAW_ALPHA_BLEND: OVER with a constant alpha, optionally scaled (always nearest). */
export function drawAlphaBlend(canvas: DisplayCanvas, surf: Surface, region: Region, box: Rect, d: Body, native: CanvasImage | undefined): void {
  const destHasAlpha = (d.alpha_flags & 1) !== 0, srcHasAlpha = (d.alpha_flags & 2) !== 0;
  const image: SpiceImage = d.src_bitmap;
  let src: CanvasImage;
  let view;
  if (image.descriptor.type === ImageType.SURFACE) {
    src = snapshotIfSelf(canvas.surface(image.surface_id ?? -1), surf);
    view = srcHasAlpha && src.format === 'xrgb' ? 'argb' as const : src.format;
  } else {
    if (!native) throw new SpiceError(ErrorCode.INCONSISTENT, 'alpha blend: image not resolved');
    src = native; // the reference blends the image in its own format
    view = native.format;
  }
  const destView = destHasAlpha && surf.format === 'xrgb' ? 'argb' as const : surf.format;
  const mask: Pic | null = d.alpha !== 255 ? { solid: ((d.alpha & 255) << 24) >>> 0 } : null;
  const area: Rect = d.src_area;
  const w = box.right - box.left, h = box.bottom - box.top;
  if (sameSize(box, area)) {
    composite({
      op: PixOp.OVER, src: { image: src, view, repeat: Repeat.NONE }, mask, dest: surf, destView,
      srcX: area.left, srcY: area.top, destX: box.left, destY: box.top, width: w, height: h, clip: region,
    });
  } else {
    const a = scaleArgs(canvas, surf, src, area, box, 1);
    const fsx = Math.trunc((a.srcW * 65536) / w), fsy = Math.trunc((a.srcH * 65536) / h);
    composite({
      op: PixOp.OVER, src: { image: a.src, view, repeat: Repeat.NONE, transform: [fsx, 0, area.left * 65536, 0, fsy, area.top * 65536] },
      mask, dest: surf, destView, srcX: 0, srcY: 0, destX: box.left, destY: box.top, width: w, height: h, clip: region,
    });
  }
  if (surf.format === 'xrgb' && !destHasAlpha) clearDestAlpha(surf, box.left, box.top, w, h);
}

/** The bbox of a surface as its own image (zero outside the surface), for ROP3 and COMPOSITE. */
function readBox(surf: Surface, box: Rect): CanvasImage {
  const w = box.right - box.left, h = box.bottom - box.top;
  const out = new Uint32Array(w * h);
  const x0 = Math.max(box.left, 0), x1 = Math.min(box.right, surf.width);
  for (let y = Math.max(box.top, 0); y < Math.min(box.bottom, surf.height); y++) {
    if (x0 < x1) out.set(surf.pixels.subarray(y * surf.width + x0, y * surf.width + x1), (y - box.top) * w + (x0 - box.left));
  }
  return { width: w, height: h, pixels: out, format: surf.format };
}

/** canvas_scale_surface: the source area scaled to w x h (used by ROP3). */
function scaleForRop3(src: CanvasImage, area: Rect, w: number, h: number, mode: number): CanvasImage {
  if (mode !== 0 && mode !== 1) throw new SpiceError(ErrorCode.INCONSISTENT, `unknown scale mode ${mode}`);
  const aw = area.right - area.left, ah = area.bottom - area.top;
  if (aw <= 0 || ah <= 0) throw new SpiceError(ErrorCode.INCONSISTENT, `rop3: empty source area ${aw}x${ah}`);
  const sx = aw / w, sy = ah / h;
  const out: CanvasImage = { width: w, height: h, pixels: new Uint32Array(w * h), format: src.format };
  const pic: ImagePic = {
    image: src, transform: [Math.trunc(sx * 65536), 0, 0, 0, Math.trunc(sy * 65536), 0], repeat: Repeat.NONE,
    bilinear: mode === 0, raw: mode === 1 && (src.format === 'xrgb' || src.format === 'argb'),
  };
  composite({
    op: PixOp.SRC, src: pic, dest: out, srcX: Math.floor(area.left / sx + 0.5), srcY: Math.floor(area.top / sy + 0.5),
    destX: 0, destY: 0, width: w, height: h,
  });
  return out;
}

/** DRAW_ROP3: rop3(pattern, source, destination) over the whole box, then copied through the region. */
export function drawRop3(canvas: DisplayCanvas, surf: Surface, region: Region, box: Rect, d: Body,
  native: CanvasImage | undefined, patNative: CanvasImage | undefined): void {
  const w = box.right - box.left, h = box.bottom - box.top;
  if (w <= 0 || h <= 0) return;
  checkTemp(canvas, 'rop3', w, h);
  let s = canvas.drawable(surf, d.src_bitmap, native);
  let sx: number, sy: number;
  if (!sameSize(box, d.src_area)) {
    s = scaleForRop3(snapshotIfSelf(s, surf), d.src_area, w, h, d.scale_mode);
    sx = sy = 0;
  } else {
    sx = d.src_area.left; sy = d.src_area.top;
  }
  if (sx < 0 || sy < 0 || s.width - sx < w || s.height - sy < h) {
    throw new SpiceError(ErrorCode.INCONSISTENT, `rop3: source ${s.width}x${s.height} at (${sx},${sy}) is smaller than the ${w}x${h} box`);
  }
  let pat: CanvasImage | null = null, px0 = 0, py0 = 0, color = 0;
  if (d.brush.type === BrushType.PATTERN) {
    pat = canvas.drawable(surf, d.brush.pattern.pat, patNative);
    if (pat.width <= 0 || pat.height <= 0) throw new SpiceError(ErrorCode.CORRUPT_IMAGE, 'rop3: empty pattern');
    // The reference uses C's %, negative for a pattern placed right of the box (an out-of-bounds read); wrap instead.
    px0 = (((box.left - d.brush.pattern.pos.x) % pat.width) + pat.width) % pat.width;
    py0 = (((box.top - d.brush.pattern.pos.y) % pat.height) + pat.height) % pat.height;
  } else {
    color = colorForSurface(surf.format, d.brush.type === BrushType.SOLID ? d.brush.color : 0);
  }
  if (region.isEmpty()) return;
  const dst = readBox(surf, box);
  const dp = dst.pixels, sp = s.pixels, code = d.rop3 & 255;
  for (let y = 0; y < h; y++) {
    const so = (sy + y) * s.width + sx, o = y * w;
    if (pat) {
      const pr = ((py0 + y) % pat.height) * pat.width;
      for (let x = 0, pxi = px0; x < w; x++) {
        dp[o + x] = rop3(code, pat.pixels[pr + pxi]!, sp[so + x]!, dp[o + x]!);
        if (++pxi === pat.width) pxi = 0;
      }
    } else {
      for (let x = 0; x < w; x++) dp[o + x] = rop3(code, color, sp[so + x]!, dp[o + x]!);
    }
  }
  quantizeRect(dst, 0, 0, w, h);
  blit(surf, region, dst, box.left, box.top, Rop.COPY);
}

const FILTERS = ['nearest', 'bilinear', 'bilinear', 'nearest', 'bilinear'];

function compositePic(canvas: DisplayCanvas, surf: Surface, image: SpiceImage, native: CanvasImage | undefined,
  opaque: boolean, transform: Body | undefined, filter: number, repeat: number): ImagePic {
  let img: CanvasImage;
  let view;
  if (image.descriptor.type === ImageType.SURFACE) {
    img = canvas.surface(image.surface_id ?? -1);
    view = opaque && img.format === 'argb' ? 'xrgb' as const : img.format;
  } else {
    img = canvas.drawable(surf, image, native);
    view = img.format;
  }
  if (filter >= FILTERS.length) {
    throw new SpiceError(ErrorCode.UNSUPPORTED, `composite: filter ${filter} needs parameters SPICE does not carry`);
  }
  const t = transform ? [transform.t00, transform.t01, transform.t02, transform.t10, transform.t11, transform.t12].map((v: number) => v | 0) : null;
  return { image: img, view, transform: t, bilinear: FILTERS[filter] === 'bilinear', repeat };
}

/** DRAW_COMPOSITE: pixman_image_composite32 of src (and mask) onto a copy of the box, copied back through the clip. */
export function drawComposite(canvas: DisplayCanvas, surf: Surface, region: Region, box: Rect, d: Body,
  srcNative: CanvasImage | undefined, maskNative: CanvasImage | undefined): void {
  const f = d.flags >>> 0;
  const op = f & 0xff;
  if (!validOp(op)) throw new SpiceError(ErrorCode.INCONSISTENT, `composite: unknown operator ${op}`);
  const w = box.right - box.left, h = box.bottom - box.top;
  if (w <= 0 || h <= 0) return;
  checkTemp(canvas, 'composite', w, h);
  const src = compositePic(canvas, surf, d.src_bitmap, srcNative, (f & CompositeFlags.SOURCE_OPAQUE) !== 0,
    f & CompositeFlags.HAS_SRC_TRANSFORM ? d.src_transform : undefined, (f >>> 8) & 7, (f >>> 14) & 3);
  let mask: ImagePic | null = null;
  if (f & CompositeFlags.HAS_MASK) {
    if (!d.mask_bitmap) throw new SpiceError(ErrorCode.INCONSISTENT, 'composite: HAS_MASK without a mask image');
    mask = compositePic(canvas, surf, d.mask_bitmap, maskNative, false,
      f & CompositeFlags.HAS_MASK_TRANSFORM ? d.mask_transform : undefined, (f >>> 11) & 7, (f >>> 16) & 3);
    mask.componentAlpha = (f & CompositeFlags.COMPONENT_ALPHA) !== 0;
  }
  if (region.isEmpty()) return;
  const dst = readBox(surf, box);
  composite({
    op, src, mask, dest: dst, srcX: d.src_origin.x, srcY: d.src_origin.y,
    maskX: d.mask_origin.x, maskY: d.mask_origin.y, destX: 0, destY: 0, width: w, height: h,
  });
  blit(surf, region, dst, box.left, box.top, Rop.COPY);
}

/** DRAW_STROKE: the rasterizer's spans, clipped to the region, filled with the brush and the fore/back ROPs. */
export function drawStroke(canvas: DisplayCanvas, surf: Surface, region: Region, d: Body, patNative: CanvasImage | undefined): void {
  const fore = rop(d.fore_mode, 'brush', 'dest'), back = rop(d.back_mode, 'brush', 'dest');
  let tile: CanvasImage | null = null, tx = 0, ty = 0, color = 0;
  if (d.brush.type === BrushType.PATTERN) {
    tile = canvas.drawable(surf, d.brush.pattern.pat, patNative);
    tx = d.brush.pattern.pos.x; ty = d.brush.pattern.pos.y;
    if (tile.width <= 0 || tile.height <= 0) return;
  } else {
    color = colorForSurface(surf.format, d.brush.type === BrushType.SOLID ? d.brush.color : 0);
  }
  const px = surf.pixels, sw = surf.width, narrow = isNarrow(surf.format);
  let row = new Uint32Array(64);
  rasterizeStroke(d.path, d.attr, surf.width, surf.height, (y, x0, x1, fg) => {
    const spans = region.rowSpans(y);
    if (!spans) return;
    const r = fg ? fore : back;
    for (let i = 0; i < spans.length; i += 2) {
      const a = Math.max(x0, spans[i]!), b = Math.min(x1, spans[i + 1]!);
      if (a >= b) continue;
      const o = y * sw + a, n = b - a;
      if (!tile) ropSolidRow(r, px, o, n, color);
      else {
        if (row.length < n) row = new Uint32Array(n);
        const trow = ((((y - ty) % tile.height) + tile.height) % tile.height) * tile.width;
        for (let k = 0, t = (((a - tx) % tile.width) + tile.width) % tile.width; k < n; k++) {
          row[k] = tile.pixels[trow + t]!;
          if (++t === tile.width) t = 0;
        }
        ropCopyRow(r, px, o, row, 0, n);
      }
      if (narrow) for (let k = o; k < o + n; k++) px[k] = quantize(surf.format, px[k]!);
    }
  }, { foreRop: fore });
}

/** The text brush colour as pixman sees it (canvas_get_pixman_brush: 5-bit channels on 16-bit surfaces). */
function textColor(fmt: string, c: number): number {
  const sixteen = fmt === 'rgb555' || fmt === 'rgb565';
  const shift = sixteen ? 5 : 8, m = sixteen ? 0x1f : 0xff;
  const ch = (v: number): number => Math.floor(((v & m) * 0xffff) / m) >> 8;
  const b = ch(c), g = ch(c >>> shift), r = ch(c >>> (2 * shift));
  return (0xff000000 | (r << 16) | (g << 8) | b) >>> 0;
}

/** DRAW_TEXT's glyphs: the fore brush OVER the glyph coverage, clipped to the region. */
export function drawText(canvas: DisplayCanvas, surf: Surface, region: Region, d: Body, patNative: CanvasImage | undefined): void {
  const str = d.str;
  if (!(str.flags & (StringFlags.RASTER_A1 | StringFlags.RASTER_A4 | StringFlags.RASTER_A8))) return; // vector glyphs: not drawn
  if (!str.length) return;
  let brush: Pic | null = null;
  if (d.fore_brush.type === BrushType.SOLID) {
    brush = { solid: textColor(surf.format, d.fore_brush.color) };
  } else if (d.fore_brush.type === BrushType.PATTERN) {
    const tile = canvas.drawable(surf, d.fore_brush.pattern.pat, patNative);
    const p = d.fore_brush.pattern.pos;
    brush = { image: tile, transform: [65536, 0, -p.x * 65536, 0, 65536, -p.y * 65536], repeat: Repeat.NORMAL };
  }
  const g = renderGlyphs(str);
  if (!brush || g.width <= 0 || g.height <= 0) return;
  checkTemp(canvas, 'text mask', g.width, g.height);
  const cov = g.coverage, mpx = new Uint32Array(g.width * g.height);
  for (let i = 0; i < mpx.length; i++) mpx[i] = (cov[i]! << 24) >>> 0;
  composite({
    op: PixOp.OVER, src: brush, mask: { image: { width: g.width, height: g.height, pixels: mpx, format: 'a8' } },
    dest: surf, srcX: 0, srcY: 0, maskX: 0, maskY: 0, destX: g.x, destY: g.y, width: g.width, height: g.height, clip: region,
  });
  if (surf.format === 'xrgb') clearDestAlpha(surf, g.x, g.y, g.width, g.height);
}

/** COPY_BITS. */
export function copyBits(surf: Surface, region: Region, dx: number, dy: number): void {
  copyRegion(surf, region, dx, dy);
}

/** A decoded video frame drawn like spice-gtk's put_image (x8r8g8b8 source, nearest scaling). */
export function drawStreamFrame(canvas: DisplayCanvas, surf: Surface, frame: DecodedImage, srcW: number, srcH: number,
  dest: Rect, clip: Clip | null, topDown: boolean): void {
  if (!(srcW > 0 && srcH > 0 && srcW <= frame.width && srcH <= frame.height) || frame.pixels.length < frame.width * frame.height) {
    throw new SpiceError(ErrorCode.INCONSISTENT, `stream frame: ${srcW}x${srcH} does not fit the decoded ${frame.width}x${frame.height} frame`);
  }
  const dw = dest.right - dest.left, dh = dest.bottom - dest.top;
  if (dw <= 0 || dh <= 0) return;
  const px = new Uint32Array(srcW * srcH);
  for (let y = 0; y < srcH; y++) {
    const sy = topDown ? y : srcH - 1 - y;
    px.set(frame.pixels.subarray(sy * frame.width, sy * frame.width + srcW), y * srcW);
  }
  const img: CanvasImage = { width: srcW, height: srcH, pixels: px, format: 'xrgb' };
  const scaled = dw !== srcW || dh !== srcH;
  const region = clip && clip.type === 1 && clip.rects
    ? Region.fromRects(clip.rects.rects.map((c) => [c.left, c.top, c.right, c.bottom] as const)) : null;
  void canvas;
  composite({
    op: PixOp.SRC,
    src: {
      image: img, repeat: Repeat.NONE, raw: surf.format === 'xrgb',
      transform: scaled ? [Math.trunc((srcW / dw) * 65536), 0, 0, 0, Math.trunc((srcH / dh) * 65536), 0] : null,
    },
    dest: surf, srcX: 0, srcY: 0, destX: dest.left, destY: dest.top, width: dw, height: dh, clip: region,
  });
}
