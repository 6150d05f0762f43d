/**
 * Pixel conversions for the x11 source: ZPixmap image data (as GetImage
 * returns it, in the server's image byte order) into 0x00RRGGBB frame words,
 * and XFIXES cursor images (premultiplied ARGB) into straight-alpha ARGB.
 */
import { ErrorCode, SpiceError } from '../../../protocol/errors.js';

export interface PixelFormat {
  bitsPerPixel: number;
  /** Image byte order MSBFirst (setup reply image-byte-order 1). */
  msbFirst: boolean;
  redMask: number;
  greenMask: number;
  blueMask: number;
  /** Row padding in bits (setup reply scanline-pad). */
  scanlinePad: number;
}

const HOST_LE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Bytes per row of a ZPixmap of `width` pixels. */
export function zpixmapStride(fmt: PixelFormat, width: number): number {
  const pad = fmt.scanlinePad || 32;
  return Math.ceil((width * fmt.bitsPerPixel) / pad) * (pad / 8);
}

/** Whether we can convert this format (TrueColor with 8..32 bits per pixel, byte-aligned). */
export function supportedFormat(fmt: PixelFormat): boolean {
  return [8, 16, 24, 32].includes(fmt.bitsPerPixel) && fmt.redMask !== 0 && fmt.greenMask !== 0 && fmt.blueMask !== 0;
}

function channel(mask: number): { shift: number; bits: number } {
  let shift = 0;
  while (shift < 32 && ((mask >>> shift) & 1) === 0) shift++;
  let bits = 0;
  while (shift + bits < 32 && ((mask >>> (shift + bits)) & 1) === 1) bits++;
  return { shift, bits };
}

/** A lookup that widens a `bits`-bit channel value to 8 bits (bit replication). */
function widen(bits: number): Uint8Array {
  const n = 1 << Math.min(bits, 16);
  const t = new Uint8Array(n);
  for (let v = 0; v < n; v++) t[v] = bits >= 8 ? v >>> (bits - 8) : Math.round((v * 255) / (n - 1));
  return t;
}

/**
 * Copies a width x height ZPixmap from `data` into `dst` at word index
 * `dstIndex` with `dstStride` words per row, as 0x00RRGGBB (the top byte is
 * whatever the server's pad byte holds for the common 32-bit formats).
 */
export function copyZPixmap(data: Uint8Array, width: number, height: number, fmt: PixelFormat, dst: Uint32Array, dstIndex: number, dstStride: number): void {
  const stride = zpixmapStride(fmt, width);
  if (data.length < stride * height) {
    throw new SpiceError(ErrorCode.INCONSISTENT, `X11 image ${width}x${height}: ${data.length} bytes, need ${stride * height}`);
  }
  if (width === 0 || height === 0) return;
  if (dstIndex < 0 || dstIndex + (height - 1) * dstStride + width > dst.length || width > dstStride) {
    throw new SpiceError(ErrorCode.INCONSISTENT, `X11 image ${width}x${height} does not fit the frame at word ${dstIndex}`);
  }
  const std = fmt.bitsPerPixel === 32 && fmt.redMask === 0xff0000 && fmt.greenMask === 0xff00 && fmt.blueMask === 0xff;
  if (std && fmt.msbFirst === !HOST_LE) {
    // Same layout as our words: plain row copies.
    const bytes = new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength);
    for (let y = 0; y < height; y++) bytes.set(data.subarray(y * stride, y * stride + width * 4), (dstIndex + y * dstStride) * 4);
    return;
  }
  if (std) {
    for (let y = 0; y < height; y++) {
      let s = y * stride;
      let d = dstIndex + y * dstStride;
      for (let x = 0; x < width; x++, s += 4, d++) {
        dst[d] = fmt.msbFirst
          ? ((data[s + 1]! << 16) | (data[s + 2]! << 8) | data[s + 3]!) >>> 0
          : ((data[s + 2]! << 16) | (data[s + 1]! << 8) | data[s]!) >>> 0;
      }
    }
    return;
  }
  if (!supportedFormat(fmt)) throw new SpiceError(ErrorCode.UNSUPPORTED, `X11 pixel format of ${fmt.bitsPerPixel} bits per pixel is not supported`);
  const r = channel(fmt.redMask), g = channel(fmt.greenMask), b = channel(fmt.blueMask);
  const rt = widen(r.bits), gt = widen(g.bits), bt = widen(b.bits);
  const rm = (1 << Math.min(r.bits, 16)) - 1, gm = (1 << Math.min(g.bits, 16)) - 1, bm = (1 << Math.min(b.bits, 16)) - 1;
  const rs = r.shift + Math.max(0, r.bits - 16), gs = g.shift + Math.max(0, g.bits - 16), bs = b.shift + Math.max(0, b.bits - 16);
  const bpp = fmt.bitsPerPixel / 8;
  for (let y = 0; y < height; y++) {
    let s = y * stride;
    let d = dstIndex + y * dstStride;
    for (let x = 0; x < width; x++, s += bpp, d++) {
      let p = 0;
      if (fmt.msbFirst) for (let k = 0; k < bpp; k++) p = (p << 8) | data[s + k]!;
      else for (let k = bpp - 1; k >= 0; k--) p = (p << 8) | data[s + k]!;
      p >>>= 0;
      dst[d] = ((rt[(p >>> rs) & rm]! << 16) | (gt[(p >>> gs) & gm]! << 8) | bt[(p >>> bs) & bm]!) >>> 0;
    }
  }
}

/** Premultiplied ARGB (XFIXES cursor images) to straight alpha, in place into a new array. */
export function unpremultiply(argb: Uint32Array): Uint32Array {
  const out = new Uint32Array(argb.length);
  for (let i = 0; i < argb.length; i++) {
    const p = argb[i]!;
    const a = p >>> 24;
    if (a === 0) { out[i] = 0; continue; }
    if (a === 255) { out[i] = p; continue; }
    const r = Math.min(255, Math.round((((p >>> 16) & 255) * 255) / a));
    const g = Math.min(255, Math.round((((p >>> 8) & 255) * 255) / a));
    const b = Math.min(255, Math.round(((p & 255) * 255) / a));
    out[i] = ((a << 24) | (r << 16) | (g << 8) | b) >>> 0;
  }
  return out;
}
