/**
 * A small pixman: composites a source (image with an affine 16.16 fixed
 * transform, NEAREST/BILINEAR filter and a repeat mode, or a solid colour)
 * through an optional mask onto a destination, clipped by a region, with
 * pixman's sampling rules (pixel centres, nearest = floor(x - 1/65536),
 * bilinear with 7-bit weights) and its narrow (8-bit) or wide (float)
 * pipeline depending on the operator.
 */
import { combine8, needsFloat } from './combine8.js';
import { combineFloat, floatToUnorm8, UNORM_MUL } from './combinef.js';
import { fetchArgb, storeArgb } from './pixfmt.js';
import type { Region } from './region.js';
import type { CanvasImage, ImageFormat } from './types.js';

export const Repeat = { NONE: 0, NORMAL: 1, PAD: 2, REFLECT: 3 } as const;

export interface ImagePic {
  image: CanvasImage;
  /** Format the words are read as (defaults to image.format; 'argb' reads an xRGB surface's X byte as alpha). */
  view?: ImageFormat;
  /** [t00, t01, t02, t10, t11, t12], 16.16 fixed (row 2 is 0 0 1). */
  transform?: ArrayLike<number> | null;
  bilinear?: boolean;
  repeat?: number;
  componentAlpha?: boolean;
  /** Read words unchanged (pixman's raw-copy fast paths for 32-bit SRC). */
  raw?: boolean;
}

export interface SolidPic {
  solid: number; // premultiplied a8r8g8b8
}

export type Pic = ImagePic | SolidPic;

const isSolid = (p: Pic): p is SolidPic => (p as SolidPic).solid !== undefined;

function wrap(repeat: number, c: number, size: number): number {
  switch (repeat) {
    case Repeat.NORMAL: { const r = c % size; return r < 0 ? r + size : r; }
    case Repeat.PAD: return c < 0 ? 0 : c >= size ? size - 1 : c;
    case Repeat.REFLECT: {
      const p = size * 2;
      let r = c % p; if (r < 0) r += p;
      return r >= size ? p - r - 1 : r;
    }
    default: return c < 0 || c >= size ? -1 : c;
  }
}

/** pixman_transform_point for the pixel centre (x + 0.5, y + 0.5); returns [x, y] 16.16 as int32. */
function transformCentre(t: ArrayLike<number>, x: number, y: number): [number, number] {
  const t00 = t[0]! | 0, t01 = t[1]! | 0, t02 = t[2]! | 0, t10 = t[3]! | 0, t11 = t[4]! | 0, t12 = t[5]! | 0;
  // Integer and fractional parts multiplied separately, fraction rounded (pixman_transform_point_31_16).
  const hx = t00 * x + t01 * y + t02, lx = t00 * 0x8000 + t01 * 0x8000;
  const hy = t10 * x + t11 * y + t12, ly = t10 * 0x8000 + t11 * 0x8000;
  return [(hx + Math.floor((lx + 0x8000) / 65536)) | 0, (hy + Math.floor((ly + 0x8000) / 65536)) | 0];
}

/**
 * Fetches `n` a8r8g8b8 pixels of the source for source-space pixels
 * (x + i, y), as pixman's source iterator does.
 */
function fetchRow(p: ImagePic, x: number, y: number, n: number, out: Uint32Array): void {
  const img = p.image, w = img.width, h = img.height, px = img.pixels;
  const fmt = p.view ?? img.format, raw = p.raw === true, rep = p.repeat ?? Repeat.NONE;
  if (w <= 0 || h <= 0) { out.fill(0, 0, n); return; }
  const get = (sx: number, sy: number): number => {
    const xx = wrap(rep, sx, w), yy = wrap(rep, sy, h);
    if (xx < 0 || yy < 0) return 0;
    const v = px[yy * w + xx]!;
    return raw ? v >>> 0 : fetchArgb(fmt, v);
  };
  const t = p.transform;
  if (!t || (t[0] === 65536 && t[1] === 0 && t[3] === 0 && t[4] === 65536 && ((t[2]! | 0) & 0xffff) === 0 && ((t[5]! | 0) & 0xffff) === 0)) {
    // Integer translation (or none): every sample is a pixel centre; bilinear equals nearest.
    const dx = t ? (t[2]! | 0) >> 16 : 0, dy = t ? (t[5]! | 0) >> 16 : 0;
    const sy = y + dy;
    if (rep === Repeat.NONE) {
      if (sy < 0 || sy >= h) { out.fill(0, 0, n); return; }
      const row = sy * w;
      for (let i = 0; i < n; i++) {
        const sx = x + dx + i;
        out[i] = sx < 0 || sx >= w ? 0 : raw ? px[row + sx]! >>> 0 : fetchArgb(fmt, px[row + sx]!);
      }
      return;
    }
    for (let i = 0; i < n; i++) out[i] = get(x + dx + i, sy);
    return;
  }
  let [vx, vy] = transformCentre(t, x, y);
  const ux = t[0]! | 0, uy = t[3]! | 0;
  if (!p.bilinear) {
    if (rep === Repeat.NONE) {
      for (let i = 0; i < n; i++, vx = (vx + ux) | 0, vy = (vy + uy) | 0) {
        const sx = (vx - 1) >> 16, sy = (vy - 1) >> 16;
        if (sx < 0 || sy < 0 || sx >= w || sy >= h) { out[i] = 0; continue; }
        const v = px[sy * w + sx]!;
        out[i] = raw ? v >>> 0 : fetchArgb(fmt, v);
      }
      return;
    }
    for (let i = 0; i < n; i++, vx = (vx + ux) | 0, vy = (vy + uy) | 0) {
      out[i] = get((vx - 1) >> 16, (vy - 1) >> 16);
    }
    return;
  }
  for (let i = 0; i < n; i++, vx = (vx + ux) | 0, vy = (vy + uy) | 0) {
    const x1f = (vx - 0x8000) | 0, y1f = (vy - 0x8000) | 0;
    const distx = ((x1f >> 9) & 0x7f) << 1, disty = ((y1f >> 9) & 0x7f) << 1;
    const x1 = x1f >> 16, y1 = y1f >> 16;
    let tl: number, tr: number, bl: number, br: number;
    if (x1 >= 0 && y1 >= 0 && x1 + 1 < w && y1 + 1 < h) {
      // Fast path: all four neighbours inside.
      const o = y1 * w + x1;
      tl = fetchArgb(fmt, px[o]!); tr = fetchArgb(fmt, px[o + 1]!);
      bl = fetchArgb(fmt, px[o + w]!); br = fetchArgb(fmt, px[o + w + 1]!);
    } else {
      tl = get(x1, y1); tr = get(x1 + 1, y1); bl = get(x1, y1 + 1); br = get(x1 + 1, y1 + 1);
    }
    out[i] = bilinear(tl, tr, bl, br, distx, disty);
  }
}

/** pixman's bilinear_interpolation with 8-bit distances (7-bit weights shifted left once). */
export function bilinear(tl: number, tr: number, bl: number, br: number, distx: number, disty: number): number {
  const wxy = distx * disty, wxiy = distx * (256 - disty), wixy = (256 - distx) * disty, wixiy = (256 - distx) * (256 - disty);
  // Each channel's weighted sum is below 2^24, so the shifts stay exact.
  const a = ((tl >>> 24) * wixiy + (tr >>> 24) * wxiy + (bl >>> 24) * wixy + (br >>> 24) * wxy) >>> 16;
  const r = (((tl >>> 16) & 255) * wixiy + ((tr >>> 16) & 255) * wxiy + ((bl >>> 16) & 255) * wixy + ((br >>> 16) & 255) * wxy) >>> 16;
  const g = (((tl >>> 8) & 255) * wixiy + ((tr >>> 8) & 255) * wxiy + ((bl >>> 8) & 255) * wixy + ((br >>> 8) & 255) * wxy) >>> 16;
  const b = ((tl & 255) * wixiy + (tr & 255) * wxiy + (bl & 255) * wixy + (br & 255) * wxy) >>> 16;
  return ((a << 24) | (r << 16) | (g << 8) | b) >>> 0;
}

// Float fetch: the same sampling with pixman's wide pipeline (format-aware expansion).
function channelBits(fmt: ImageFormat): [number, number, number, number] {
  switch (fmt) {
    case 'argb': return [8, 8, 8, 8];
    case 'xrgb': return [0, 8, 8, 8];
    case 'rgb555': return [0, 5, 5, 5];
    case 'rgb565': return [0, 5, 6, 5];
    case 'a8': return [8, 0, 0, 0];
    default: return [1, 0, 0, 0];
  }
}

function expandFloat(fmt: ImageFormat, v: number, out: Float32Array, o: number): void {
  const [ab, rb, gb, bb] = channelBits(fmt);
  // Stored words are 8-bit expanded: the format's value is the top bits of each channel.
  out[o] = ab ? ((v >>> 24) >>> (8 - ab)) * UNORM_MUL[ab]! : 1;
  out[o + 1] = rb ? (((v >>> 16) & 255) >>> (8 - rb)) * UNORM_MUL[rb]! : 0;
  out[o + 2] = gb ? (((v >>> 8) & 255) >>> (8 - gb)) * UNORM_MUL[gb]! : 0;
  out[o + 3] = bb ? ((v & 255) >>> (8 - bb)) * UNORM_MUL[bb]! : 0;
}

function fetchRowFloat(p: ImagePic, x: number, y: number, n: number, out: Float32Array): void {
  const img = p.image, w = img.width, h = img.height, px = img.pixels;
  const fmt = p.view ?? img.format, rep = p.repeat ?? Repeat.NONE;
  const t = p.transform;
  if (w <= 0 || h <= 0) { out.fill(0, 0, n * 4); return; }
  const pix = (sx: number, sy: number, o: number, buf: Float32Array): void => {
    const xx = wrap(rep, sx, w), yy = wrap(rep, sy, h);
    if (xx < 0 || yy < 0) { buf[o] = buf[o + 1] = buf[o + 2] = buf[o + 3] = 0; return; }
    expandFloat(fmt, px[yy * w + xx]!, buf, o);
  };
  if (!t) {
    for (let i = 0; i < n; i++) pix(x + i, y, i * 4, out);
    return;
  }
  let [vx, vy] = transformCentre(t, x, y);
  const ux = t[0]! | 0, uy = t[3]! | 0;
  if (!p.bilinear) {
    for (let i = 0; i < n; i++, vx = (vx + ux) | 0, vy = (vy + uy) | 0) pix((vx - 1) >> 16, (vy - 1) >> 16, i * 4, out);
    return;
  }
  const q = new Float32Array(16);
  const F = Math.fround;
  for (let i = 0; i < n; i++, vx = (vx + ux) | 0, vy = (vy + uy) | 0) {
    const x1f = (vx - 0x8000) | 0, y1f = (vy - 0x8000) | 0;
    const dx = F((x1f & 0xffff) / 65536), dy = F((y1f & 0xffff) / 65536);
    const x1 = x1f >> 16, y1 = y1f >> 16;
    pix(x1, y1, 0, q); pix(x1 + 1, y1, 4, q); pix(x1, y1 + 1, 8, q); pix(x1 + 1, y1 + 1, 12, q);
    const wxy = F(dx * dy), wxiy = F(dx * F(1 - dy)), wixy = F(F(1 - dx) * dy), wixiy = F(F(1 - dx) * F(1 - dy));
    for (let c = 0; c < 4; c++) {
      out[i * 4 + c] = F(F(F(F(q[c]! * wixiy) + F(q[4 + c]! * wxiy)) + F(q[8 + c]! * wixy)) + F(q[12 + c]! * wxy));
    }
  }
}

export interface CompositeArgs {
  op: number;
  src: Pic;
  mask?: Pic | null;
  /** Destination image; `destView` is how its words are read (default its format). */
  dest: CanvasImage;
  destView?: ImageFormat;
  srcX: number; srcY: number;
  maskX?: number; maskY?: number;
  destX: number; destY: number;
  width: number; height: number;
  /** Pixels outside this region are not touched (besides the destination bounds). */
  clip?: Region | null;
}

let rowSrc = new Uint32Array(256), rowMask = new Uint32Array(256);
let fS = new Float32Array(1024), fM = new Float32Array(1024), fD = new Float32Array(1024);

function ensure(n: number): void {
  if (rowSrc.length < n) { rowSrc = new Uint32Array(n); rowMask = new Uint32Array(n); }
  if (fS.length < n * 4) { fS = new Float32Array(n * 4); fM = new Float32Array(n * 4); fD = new Float32Array(n * 4); }
}

/** pixman_image_composite32 onto `dest`, limited to its bounds and `clip`. */
export function composite(a: CompositeArgs): void {
  const { op, src, dest } = a;
  const mask = a.mask ?? null;
  const dfmt = a.destView ?? dest.format;
  const x0 = Math.max(a.destX, 0), y0 = Math.max(a.destY, 0);
  const x1 = Math.min(a.destX + a.width, dest.width), y1 = Math.min(a.destY + a.height, dest.height);
  if (x0 >= x1 || y0 >= y1) return;
  const area = (r: (x1: number, y1: number, x2: number, y2: number) => void): void => {
    if (a.clip) a.clip.intersectRect(x0, y0, x1, y1).forEachRect(r);
    else r(x0, y0, x1, y1);
  };
  const ca = !!mask && !isSolid(mask) && mask.componentAlpha === true;
  const wide = needsFloat(op);
  // SRC from a raw 32-bit source into a 32-bit destination copies the words unchanged.
  const rawCopy = op === 1 && !mask && !isSolid(src) && src.raw === true && (dest.format === 'xrgb' || dest.format === 'argb');
  const dpx = dest.pixels, dw = dest.width;
  area((rx1, ry1, rx2, ry2) => {
    const n = rx2 - rx1;
    ensure(n);
    for (let y = ry1; y < ry2; y++) {
      const sx = a.srcX + (rx1 - a.destX), sy = a.srcY + (y - a.destY);
      const mx = (a.maskX ?? 0) + (rx1 - a.destX), my = (a.maskY ?? 0) + (y - a.destY);
      const drow = y * dw + rx1;
      if (!wide) {
        if (isSolid(src)) rowSrc.fill(src.solid >>> 0, 0, n); else fetchRow(src, sx, sy, n, rowSrc);
        if (rawCopy) { dpx.set(rowSrc.subarray(0, n), drow); continue; }
        const hasMask = mask !== null;
        if (mask) { if (isSolid(mask)) rowMask.fill(mask.solid >>> 0, 0, n); else fetchRow(mask, mx, my, n, rowMask); }
        if (op === 3 && !ca && (dest.format === 'xrgb' || dest.format === 'argb')) {
          overRow(dpx, drow, rowSrc, hasMask ? rowMask : null, n, dfmt === 'xrgb');
          continue;
        }
        for (let i = 0; i < n; i++) {
          const d = fetchArgb(dfmt, dpx[drow + i]!);
          dpx[drow + i] = storeArgb(dest.format, combine8(op, ca, rowSrc[i]!, hasMask ? rowMask[i]! : -1, d));
        }
      } else {
        if (isSolid(src)) for (let i = 0; i < n; i++) expandFloat('argb', src.solid, fS, i * 4);
        else fetchRowFloat(src, sx, sy, n, fS);
        if (mask) {
          if (isSolid(mask)) for (let i = 0; i < n; i++) expandFloat('argb', mask.solid, fM, i * 4);
          else fetchRowFloat(mask, mx, my, n, fM);
        }
        for (let i = 0; i < n; i++) {
          const o = i * 4;
          expandFloat(dfmt, dpx[drow + i]!, fD, o);
          combineFloat(op, ca, fS.subarray(o, o + 4), mask ? fM.subarray(o, o + 4) : null, fD.subarray(o, o + 4));
          const v = ((floatToUnorm8(fD[o]!) << 24) | (floatToUnorm8(fD[o + 1]!) << 16) | (floatToUnorm8(fD[o + 2]!) << 8) | floatToUnorm8(fD[o + 3]!)) >>> 0;
          dpx[drow + i] = storeArgb(dest.format, v);
        }
      }
    }
  });
}

/** x * a / 255 on the red/blue (or alpha/green) lanes of a word at once (pixman's UN8_rb_MUL_UN8). */
function rbMul(x: number, a: number): number {
  let t = (x & 0xff00ff) * a + 0x800080;
  t = (t + ((t >>> 8) & 0xff00ff)) >>> 8;
  return t & 0xff00ff;
}

/** Lane-wise saturating add of two red/blue lane words. */
function rbAdd(x: number, y: number): number {
  let t = x + y;
  t |= 0x1000100 - ((t >>> 8) & 0xff00ff);
  return t & 0xff00ff;
}

/** OVER into a 32-bit destination row (combine_over_u), unified alpha. */
function overRow(d: Uint32Array, o: number, src: Uint32Array, mask: Uint32Array | null, n: number, opaqueDest: boolean): void {
  for (let i = 0; i < n; i++) {
    let s = src[i]!;
    if (mask) {
      const m = mask[i]! >>> 24;
      if (m === 0) continue;
      if (m !== 255) s = ((rbMul(s >>> 8, m) << 8) | rbMul(s, m)) >>> 0;
    }
    const sa = s >>> 24;
    if (sa === 255) { d[o + i] = s; continue; }
    if (s === 0) continue;
    let dv = d[o + i]!;
    if (opaqueDest) dv = (dv | 0xff000000) >>> 0;
    const ia = 255 - sa;
    const lo = rbAdd(rbMul(dv, ia), s & 0xff00ff);
    const hi = rbAdd(rbMul(dv >>> 8, ia), (s >>> 8) & 0xff00ff);
    d[o + i] = ((hi << 8) | lo) >>> 0;
  }
}
