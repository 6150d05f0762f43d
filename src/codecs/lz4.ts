/**
 * SPICE LZ4 image decoder (image type LZ4).
 *
 * Payload: u8 top_down, u8 SPICE bitmap format (16BIT x555, 24BIT B,G,R,
 * 32BIT B,G,R,X, RGBA B,G,R,A), then blocks, each a big-endian u32
 * compressed size and an LZ4 block. The blocks form one linked stream
 * (spice-server compresses with LZ4_compress_*_continue): each block's
 * matches may reach up to 64 KiB back into the output of earlier blocks, so
 * they are decoded into one contiguous buffer.
 *
 * Rows are width * bytes-per-pixel long in the stream (spice-gtk,
 * canvas_get_lz4); when the decoded size shows padded rows (a server
 * sending a bitmap with a larger stride), the row length is taken from it.
 */
import { SpiceError, ErrorCode } from '../protocol/errors.js';
import { DEFAULT_MAX_PIXELS, type DecodeLimits, type DecodedImage } from './types.js';

function corrupt(message: string): never {
  throw new SpiceError(ErrorCode.CORRUPT_IMAGE, message);
}

/** SPICE bitmap formats LZ4 images may carry. */
const FMT_16BIT = 6;
const FMT_24BIT = 7;
const FMT_32BIT = 8;
const FMT_RGBA = 9;

/**
 * Decodes one LZ4 block from `src[pos..end)` into `out` at `op` (earlier
 * bytes of `out` are the dictionary). Returns the new output position.
 */
export function lz4DecodeBlock(src: Uint8Array, pos: number, end: number, out: Uint8Array, op: number): number {
  const outEnd = out.length;
  for (;;) {
    if (pos >= end) corrupt('LZ4 block ends before its last sequence');
    const token = src[pos++];
    let lit = token >>> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (pos >= end) corrupt('LZ4 block ends inside a literal length');
        b = src[pos++];
        lit += b;
      } while (b === 255);
    }
    if (lit) {
      if (pos + lit > end) corrupt('LZ4 literals run past the end of the block');
      if (op + lit > outEnd) corrupt('LZ4 literals run past the end of the image');
      out.set(src.subarray(pos, pos + lit), op);
      pos += lit;
      op += lit;
    }
    // the last sequence of a block has literals only
    if (pos === end) return op;
    if (pos + 2 > end) corrupt('LZ4 block ends inside a match offset');
    const dist = src[pos] | (src[pos + 1] << 8);
    pos += 2;
    if (dist === 0) corrupt('LZ4 match has offset 0');
    if (dist > op) corrupt('LZ4 match refers to before the start of the image');
    let len = (token & 15) + 4;
    if ((token & 15) === 15) {
      let b: number;
      do {
        if (pos >= end) corrupt('LZ4 block ends inside a match length');
        b = src[pos++];
        len += b;
      } while (b === 255);
    }
    if (op + len > outEnd) corrupt('LZ4 match runs past the end of the image');
    let from = op - dist;
    if (dist >= len) {
      out.copyWithin(op, from, from + len);
      op += len;
    } else {
      for (const stop = op + len; op < stop;) out[op++] = out[from++];
    }
  }
}

/**
 * Decodes an LZ4 image of `width` x `height` (from the image descriptor).
 * 32BIT/16BIT/24BIT give 'xrgb'; RGBA gives 'argb' (alpha as sent).
 */
export function decodeLz4Image(data: Uint8Array, width: number, height: number, limits?: DecodeLimits): DecodedImage & { topDown: boolean } {
  if (data.length < 2) corrupt('LZ4 image is missing its 2-byte header');
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    corrupt(`LZ4 image has invalid size ${width}x${height}`);
  }
  const maxPixels = limits?.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (width * height > maxPixels) corrupt(`LZ4 image ${width}x${height} is over the ${maxPixels}-pixel limit`);
  const topDown = data[0] !== 0;
  const format = data[1];
  let bpp: number;
  switch (format) {
    case FMT_16BIT: bpp = 2; break;
    case FMT_24BIT: bpp = 3; break;
    case FMT_32BIT: case FMT_RGBA: bpp = 4; break;
    default: corrupt(`LZ4 image has unsupported bitmap format ${format}`);
  }
  const rowBytes = width * bpp;
  // an LZ4 sequence yields at most ~255 bytes per input byte: refuse sizes the data cannot reach
  if (rowBytes * height > (data.length - 2) * 256 + 256) corrupt(`LZ4 data of ${data.length} bytes cannot hold a ${width}x${height} image`);
  // room for rows padded to a multiple of 4 bytes, the only padding a bitmap stride normally has
  const padded = (rowBytes + 3) & ~3;
  const raw = new Uint8Array(padded * height);
  let pos = 2;
  let op = 0;
  while (pos < data.length) {
    if (pos + 4 > data.length) corrupt('LZ4 data ends inside a block size');
    const size = ((data[pos] << 24) | (data[pos + 1] << 16) | (data[pos + 2] << 8) | data[pos + 3]) >>> 0;
    pos += 4;
    if (size === 0 || size > data.length - pos) corrupt(`LZ4 block of ${size} bytes does not fit the data`);
    op = lz4DecodeBlock(data, pos, pos + size, raw, op);
    pos += size;
  }
  let stride: number;
  if (op === rowBytes * height) stride = rowBytes;
  else if (op === padded * height) stride = padded;
  else corrupt(`LZ4 image decoded to ${op} bytes, a ${width}x${height} image needs ${rowBytes * height}`);

  const n = width * height;
  const pixels = new Uint32Array(n);
  for (let y = 0; y < height; y++) {
    let s = y * stride;
    let o = (topDown ? y : height - 1 - y) * width;
    const stop = o + width;
    switch (format) {
      case FMT_32BIT:
        for (; o < stop; o++, s += 4) pixels[o] = 0xff000000 | (raw[s + 2] << 16) | (raw[s + 1] << 8) | raw[s];
        break;
      case FMT_RGBA:
        for (; o < stop; o++, s += 4) pixels[o] = (raw[s + 3] << 24) | (raw[s + 2] << 16) | (raw[s + 1] << 8) | raw[s];
        break;
      case FMT_24BIT:
        for (; o < stop; o++, s += 3) pixels[o] = 0xff000000 | (raw[s + 2] << 16) | (raw[s + 1] << 8) | raw[s];
        break;
      default: {
        // x1r5g5b5, little-endian; 5-bit channels widened by repeating their top bits (as pixman)
        for (; o < stop; o++, s += 2) {
          const v = raw[s] | (raw[s + 1] << 8);
          const r = (v >>> 10) & 31;
          const g = (v >>> 5) & 31;
          const b = v & 31;
          pixels[o] = 0xff000000 | (((r << 3) | (r >>> 2)) << 16) | (((g << 3) | (g >>> 2)) << 8) | ((b << 3) | (b >>> 2));
        }
      }
    }
  }
  return { width, height, pixels, format: format === FMT_RGBA ? 'argb' : 'xrgb', topDown };
}
