/**
 * Pixel conversions for the x11 source: ZPixmap image data (as GetImage
 * returns it, in the server's image byte order) into 0x00RRGGBB frame words,
 * and XFIXES cursor images (premultiplied ARGB) into straight-alpha ARGB.
 */
import { ErrorCode, SpiceError } from '../../../protocol/errors.js';
import type { ReplySink } from './framer.js';

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

/** Whether this machine stores words little-endian. */
export const HOST_LE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

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

/**
 * copyZPixmap for image data that arrived in pieces: the data starts `skip` bytes into the
 * concatenation of `parts` (a reply's chunks, head included). The common layout (32-bit
 * pixels in our byte order) is copied straight from the pieces; others are joined first.
 */
export function copyZPixmapParts(parts: readonly Uint8Array[], skip: number, width: number, height: number, fmt: PixelFormat,
  dst: Uint32Array, dstIndex: number, dstStride: number): void {
  if (parts.length === 1) { copyZPixmap(parts[0]!.subarray(skip), width, height, fmt, dst, dstIndex, dstStride); return; }
  const stride = zpixmapStride(fmt, width);
  let total = -skip;
  for (const p of parts) total += p.length;
  if (total < stride * height) {
    throw new SpiceError(ErrorCode.INCONSISTENT, `X11 image ${width}x${height}: ${Math.max(0, total)} bytes, need ${stride * height}`);
  }
  if (width === 0 || height === 0) return;
  if (dstIndex < 0 || dstIndex + (height - 1) * dstStride + width > dst.length || width > dstStride) {
    throw new SpiceError(ErrorCode.INCONSISTENT, `X11 image ${width}x${height} does not fit the frame at word ${dstIndex}`);
  }
  const std = fmt.bitsPerPixel === 32 && fmt.redMask === 0xff0000 && fmt.greenMask === 0xff00 && fmt.blueMask === 0xff;
  if (!std || fmt.msbFirst !== !HOST_LE) {
    const joined = new Uint8Array(stride * height);
    copyBytes(parts, skip, joined, 0, joined.length);
    copyZPixmap(joined, width, height, fmt, dst, dstIndex, dstStride);
    return;
  }
  const bytes = new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength);
  if (stride === width * 4 && dstStride === width) {
    copyBytes(parts, skip, bytes, dstIndex * 4, stride * height);
    return;
  }
  // Row by row, following the pieces.
  let pi = 0, po = skip;
  while (po >= parts[pi]!.length) po -= parts[pi++]!.length;
  for (let y = 0; y < height; y++) {
    let d = (dstIndex + y * dstStride) * 4;
    let need = width * 4;
    let pad = stride - need;
    while (need > 0) {
      const p = parts[pi]!;
      const k = Math.min(need, p.length - po);
      bytes.set(k === p.length ? p : p.subarray(po, po + k), d);
      d += k; po += k; need -= k;
      if (po === p.length) { pi++; po = 0; }
    }
    while (pad > 0 && pi < parts.length) {
      const k = Math.min(pad, parts[pi]!.length - po);
      po += k; pad -= k;
      if (po === parts[pi]!.length) { pi++; po = 0; }
    }
  }
}

/**
 * A sink (X11Framer streaming) for a GetImage reply of `replyBytes` that writes its rows
 * into `dst` as they arrive, for the common layout (32-bit pixels in our byte order);
 * undefined for other layouts or a reply too short for the image (it is then taken
 * whole and copyZPixmap deals with it). Checks like copyZPixmap's first. Where the
 * rows lie back to back in `dst` too, the sink also says where the image's bytes go
 * (`into`: reads go there with no copy).
 */
export function zpixmapSink(fmt: PixelFormat, width: number, height: number, dst: Uint32Array, dstIndex: number, dstStride: number,
  replyBytes: number): ReplySink | undefined {
  const std = fmt.bitsPerPixel === 32 && fmt.redMask === 0xff0000 && fmt.greenMask === 0xff00 && fmt.blueMask === 0xff && fmt.msbFirst === !HOST_LE;
  const stride = zpixmapStride(fmt, width), rowBytes = width * 4, dataBytes = stride * height;
  if (!std || width <= 0 || height <= 0 || replyBytes - 32 < dataBytes) return undefined;
  if (dstIndex < 0 || dstIndex + (height - 1) * dstStride + width > dst.length || width > dstStride) return undefined;
  const bytes = new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength);
  const base = dstIndex * 4, end = 32 + dataBytes;
  if (stride === rowBytes && dstStride === width) {
    // Rows back to back in both: the data is one run, and reads can land in it directly.
    const sink: ReplySink = (piece, at) => {
      const from = Math.max(0, 32 - at), to = Math.min(piece.length, end - at);
      if (to > from) bytes.set(piece.subarray(from, to), base + at + from - 32);
    };
    sink.into = (at, max) => (at >= 32 && at < end ? bytes.subarray(base + at - 32, base + Math.min(end, at + max) - 32) : undefined);
    return sink;
  }
  return (piece, at) => {
    let i = Math.max(0, 32 - at);
    const n = Math.min(piece.length, end - at);
    while (i < n) {
      const d = at + i - 32;
      const row = (d / stride) | 0, col = d - row * stride;
      if (col >= rowBytes) { i += stride - col; continue; } // row padding
      const k = Math.min(rowBytes - col, n - i);
      bytes.set(piece.subarray(i, i + k), (dstIndex + row * dstStride) * 4 + col);
      i += k;
    }
  };
}

/** `n` bytes from `skip` bytes into the concatenation of `parts`, to `out` at `at`. */
function copyBytes(parts: readonly Uint8Array[], skip: number, out: Uint8Array, at: number, n: number): void {
  let pi = 0, po = skip;
  while (po >= parts[pi]!.length) po -= parts[pi++]!.length;
  while (n > 0) {
    const p = parts[pi]!;
    const k = Math.min(n, p.length - po);
    out.set(po === 0 && k === p.length ? p : p.subarray(po, po + k), at);
    at += k; n -= k;
    pi++; po = 0;
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
