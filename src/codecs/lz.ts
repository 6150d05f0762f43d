/**
 * SPICE LZ image decoder (image types LZ_RGB and LZ_PLT, and the XXXA alpha
 * stream of JPEG_ALPHA).
 *
 * An LZ image is a 28-byte big-endian header (magic "  ZL", version 1.1,
 * LZ image type, width, height, stride, top_down) followed by a byte stream
 * of FastLZ-style instructions counted in pixels (in bytes for palette
 * images):
 *   ctrl < 32   literal run of ctrl+1 pixels
 *   ctrl >= 32  match: length = top 3 bits (7 = extended by bytes until one
 *               is not 255) + a bias per format, distance = 13 bits (low 5
 *               bits of ctrl, next byte) + 1, or, when those 13 bits are all
 *               ones, a 16-bit big-endian value + 8191 + 1.
 * RGBA is an RGB pass followed by an alpha pass over the same pixels.
 *
 * Output follows src/codecs/types.ts: 0xAARRGGBB words, top-down. Pixel
 * values are those spice-gtk (spice-common canvas_get_lz) renders: 5-bit
 * channels are widened by repeating their top bits, palette entries
 * 0x00RRGGBB are looked up per pixel.
 */
import { SpiceError, ErrorCode } from '../protocol/errors.js';
import { DEFAULT_MAX_PIXELS, type DecodeLimits, type DecodedImage, type PixelFormat } from './types.js';

/** LZ image types (spice-common lz_common.h numbering). */
export const LzImageType = {
  PLT1_LE: 1,
  PLT1_BE: 2,
  PLT4_LE: 3,
  PLT4_BE: 4,
  PLT8: 5,
  RGB16: 6,
  RGB24: 7,
  RGB32: 8,
  RGBA: 9,
  XXXA: 10,
  A8: 11,
} as const;

/** "  ZL" read as a big-endian u32. */
export const LZ_MAGIC = 0x20205a4c;
/** Version 1.1. */
export const LZ_VERSION = 0x00010001;
export const LZ_HEADER_SIZE = 28;

/** Pixels per stream byte for palette types, indexed by LZ type (0 = not a palette type). */
const PLT_PIXELS_PER_BYTE = [0, 8, 8, 2, 2, 1, 0, 0, 0, 0, 0, 0];
/** Bytes per pixel in the source bitmap for non-palette types (what `stride` must equal per pixel). */
const RGB_BYTES_PER_PIXEL = [0, 0, 0, 0, 0, 0, 2, 3, 4, 4, 4, 1];

/** Shortest match is 1 (RGB24/32), 2 (RGB16) or 3 (bytes: palettes, alpha, A8) units. */
const LEN_BIAS_RGB = 0;
const LEN_BIAS_RGB16 = 1;
const LEN_BIAS_BYTE = 2;

export function corrupt(message: string): never {
  throw new SpiceError(ErrorCode.CORRUPT_IMAGE, message);
}

function isPaletteType(type: number): boolean {
  return type >= LzImageType.PLT1_LE && type <= LzImageType.PLT8;
}

export function readU32BE(d: Uint8Array, p: number): number {
  return ((d[p] << 24) | (d[p + 1] << 16) | (d[p + 2] << 8) | d[p + 3]) >>> 0;
}

export interface LzHeader {
  type: number;
  width: number;
  height: number;
  stride: number;
  topDown: boolean;
}

/** Reads and checks the 28-byte header (the size rules of spice-common lz_set_sizes, plus non-empty). */
export function readLzHeader(data: Uint8Array, limits?: DecodeLimits): LzHeader {
  if (data.length < LZ_HEADER_SIZE) corrupt(`LZ image of ${data.length} bytes is shorter than its 28-byte header`);
  const magic = readU32BE(data, 0);
  if (magic !== LZ_MAGIC) corrupt(`LZ image has bad magic 0x${magic.toString(16)}`);
  const version = readU32BE(data, 4);
  if (version !== LZ_VERSION) corrupt(`LZ image has unsupported version 0x${version.toString(16)}`);
  const type = readU32BE(data, 8);
  if (type < LzImageType.PLT1_LE || type > LzImageType.A8) corrupt(`LZ image has invalid type ${type}`);
  const width = readU32BE(data, 12);
  const height = readU32BE(data, 16);
  const stride = readU32BE(data, 20);
  const topDown = readU32BE(data, 24) !== 0;
  checkSizes(type, width, height, stride, limits);
  return { type, width, height, stride, topDown };
}

/**
 * One instruction byte yields at most ~255 units (a long match spends one
 * byte per 255 of length), so a size claim far beyond that is rejected
 * before anything is allocated.
 */
export function checkExpansion(units: number, streamBytes: number): void {
  if (units > streamBytes * 256 + 256) corrupt(`LZ stream of ${streamBytes} bytes cannot hold ${units} pixels`);
}

/** Pixels per decoded row: stride*ppb for palette types (rows may carry padding pixels), else width. */
function grossRowPixels(type: number, width: number, stride: number): number {
  const ppb = PLT_PIXELS_PER_BYTE[type];
  return ppb ? stride * ppb : width;
}

function checkSizes(type: number, width: number, height: number, stride: number, limits?: DecodeLimits): void {
  if (width === 0 || height === 0) corrupt(`LZ image is empty (${width}x${height})`);
  if (width > 0x7fffffff || height > 0x7fffffff || stride > 0x7fffffff) corrupt(`LZ image size ${width}x${height} stride ${stride} is out of range`);
  const ppb = PLT_PIXELS_PER_BYTE[type];
  if (ppb) {
    // spice-common allows a partly used last byte and nothing more; fewer bytes cannot hold the row
    if (stride !== Math.ceil(width / ppb)) corrupt(`LZ palette image stride ${stride} does not fit width ${width}`);
  } else if (stride !== width * RGB_BYTES_PER_PIXEL[type]) {
    corrupt(`LZ image stride ${stride} is not width ${width} x ${RGB_BYTES_PER_PIXEL[type]}`);
  }
  const maxPixels = limits?.maxPixels ?? DEFAULT_MAX_PIXELS;
  const gross = grossRowPixels(type, width, stride) * height;
  if (gross > maxPixels) corrupt(`LZ image ${width}x${height} is over the ${maxPixels}-pixel limit`);
}

// ---------------------------------------------------------------------------
// Passes. Each decodes `n` units from `src` at `pos` into `out` (stream order)
// and returns the position after the last instruction used.

/** Reads a match's length and distance; shared by all passes. Writes into `m`. */
const m = { len: 0, dist: 0, pos: 0 };
function readMatch(src: Uint8Array, pos: number, ctrl: number, bias: number): void {
  const end = src.length;
  let len = ctrl >>> 5;
  if (len === 7) {
    let code: number;
    do {
      if (pos >= end) corrupt('LZ stream ends inside a match length');
      code = src[pos++];
      len += code;
    } while (code === 255);
  }
  if (pos >= end) corrupt('LZ stream ends inside a match distance');
  const code = src[pos++];
  let ofs = ((ctrl & 31) << 8) + code;
  if (ofs === 0x1fff) {
    // far distance: a 16-bit big-endian value past the 13-bit range
    if (pos + 2 > end) corrupt('LZ stream ends inside a far match distance');
    ofs = ((src[pos] << 8) | src[pos + 1]) + 8191;
    pos += 2;
  }
  m.len = len + bias;
  m.dist = ofs + 1;
  m.pos = pos;
}

/**
 * RGB24/RGB32 (3-byte B,G,R literals) or RGB16 (2-byte big-endian x555
 * literals) into 32-bit pixels whose top byte is `top` (0xff000000 makes them
 * opaque here rather than in a second pass: matches copy opaque pixels).
 */
function rgbPass(src: Uint8Array, pos: number, out: Uint32Array, n: number, rgb16: boolean, top: number): number {
  const end = src.length;
  const bias = rgb16 ? LEN_BIAS_RGB16 : LEN_BIAS_RGB;
  let op = 0;
  while (op < n) {
    if (pos >= end) corrupt(`LZ stream ends after ${op} of ${n} pixels`);
    const ctrl = src[pos++];
    if (ctrl < 32) {
      const count = ctrl + 1;
      if (op + count > n) corrupt('LZ literal run goes past the end of the image');
      if (rgb16) {
        if (pos + count * 2 > end) corrupt('LZ stream ends inside a literal run');
        for (let i = 0; i < count; i++) {
          out[op++] = top | rgb16ToRgb32((src[pos] << 8) | src[pos + 1]);
          pos += 2;
        }
      } else {
        if (pos + count * 3 > end) corrupt('LZ stream ends inside a literal run');
        for (let i = 0; i < count; i++) {
          out[op++] = top | src[pos] | (src[pos + 1] << 8) | (src[pos + 2] << 16);
          pos += 3;
        }
      }
    } else {
      readMatch(src, pos, ctrl, bias);
      pos = m.pos;
      const len = m.len;
      const ref = op - m.dist;
      if (ref < 0) corrupt('LZ match refers to before the start of the image');
      if (op + len > n) corrupt('LZ match goes past the end of the image');
      copyMatch32(out, op, ref, len);
      op += len;
    }
  }
  return pos;
}

/** One byte per unit: palette indices, A8, or the alpha pass of RGBA/XXXA. */
function bytePass(src: Uint8Array, pos: number, out: Uint8Array, n: number): number {
  const end = src.length;
  let op = 0;
  while (op < n) {
    if (pos >= end) corrupt(`LZ stream ends after ${op} of ${n} bytes`);
    const ctrl = src[pos++];
    if (ctrl < 32) {
      const count = ctrl + 1;
      if (op + count > n) corrupt('LZ literal run goes past the end of the image');
      if (pos + count > end) corrupt('LZ stream ends inside a literal run');
      out.set(src.subarray(pos, pos + count), op);
      op += count;
      pos += count;
    } else {
      readMatch(src, pos, ctrl, LEN_BIAS_BYTE);
      pos = m.pos;
      const len = m.len;
      const ref = op - m.dist;
      if (ref < 0) corrupt('LZ match refers to before the start of the image');
      if (op + len > n) corrupt('LZ match goes past the end of the image');
      if (m.dist >= len) {
        out.copyWithin(op, ref, ref + len);
      } else {
        for (let i = 0; i < len; i++) out[op + i] = out[ref + i];
      }
      op += len;
    }
  }
  return pos;
}

/**
 * Copies `len` words from `ref` to `op` forwards (overlap repeats the pattern,
 * as LZ77 wants). Long copies go to native fill/copyWithin: a run of one
 * pixel is a fill, a shorter repeating pattern is copied in doubling blocks.
 * That is what makes a mostly-flat screen fast even before the JIT warms up.
 */
export function copyMatch32(out: Uint32Array, op: number, ref: number, len: number): void {
  if (len <= 8) {
    for (let i = 0; i < len; i++) out[op + i] = out[ref + i];
    return;
  }
  let dist = op - ref;
  if (dist === 1) {
    out.fill(out[ref]!, op, op + len);
  } else if (dist >= len) {
    out.copyWithin(op, ref, ref + len);
  } else {
    // The pattern out[ref..op) repeats: each block copied doubles what can be copied next.
    const end = op + len;
    while (op < end) {
      const n = Math.min(dist, end - op);
      out.copyWithin(op, ref, ref + n);
      op += n;
      dist += n;
    }
  }
}

/** x555 (bit 15 ignored) to 0x00RRGGBB, each 5-bit channel widened by repeating its top 3 bits. */
export function rgb16ToRgb32(v: number): number {
  const r = (v >>> 10) & 31;
  const g = (v >>> 5) & 31;
  const b = v & 31;
  return (((r << 3) | (r >>> 2)) << 16) | (((g << 3) | (g >>> 2)) << 8) | ((b << 3) | (b >>> 2));
}

// ---------------------------------------------------------------------------

export interface LzDecodeOptions extends DecodeLimits {
  /** Palette for LZ_PLT images: entries 0x00RRGGBB (the message's Palette.ents). */
  palette?: ArrayLike<number>;
}

export type LzDecodedImage = DecodedImage & { lzType: number; topDown: boolean };

/**
 * Decodes one LZ image (the data of LZ_RGB or LZ_PLT). Palette types need
 * `opts.palette`. RGB24/RGB32/RGB16/palettes give 'xrgb' (alpha 0xFF), RGBA
 * gives 'argb', A8 and XXXA give 'a8' (value in the top byte, RGB 0).
 */
export function decodeLz(data: Uint8Array, opts?: LzDecodeOptions): LzDecodedImage {
  const h = readLzHeader(data, opts);
  const { type, width, height, stride, topDown } = h;
  const n = width * height;
  checkExpansion(isPaletteType(type) ? stride * height : n, data.length - LZ_HEADER_SIZE);
  let pos = LZ_HEADER_SIZE;
  let pixels: Uint32Array;
  let format: PixelFormat;

  switch (type) {
    case LzImageType.RGB24:
    case LzImageType.RGB32:
    case LzImageType.RGB16:
      pixels = new Uint32Array(n);
      pos = rgbPass(data, pos, pixels, n, type === LzImageType.RGB16, 0xff000000);
      format = 'xrgb';
      break;
    case LzImageType.RGBA: {
      pixels = new Uint32Array(n);
      pos = rgbPass(data, pos, pixels, n, false, 0);
      const alpha = new Uint8Array(n);
      pos = bytePass(data, pos, alpha, n);
      for (let i = 0; i < n; i++) pixels[i] = (pixels[i] & 0xffffff) | (alpha[i] << 24);
      format = 'argb';
      break;
    }
    case LzImageType.XXXA:
    case LzImageType.A8: {
      const alpha = new Uint8Array(n);
      pos = bytePass(data, pos, alpha, n);
      pixels = new Uint32Array(n);
      for (let i = 0; i < n; i++) pixels[i] = alpha[i] << 24;
      format = 'a8';
      break;
    }
    default: {
      // palette types: decode the packed index bytes, then expand row by row
      const palette = opts?.palette;
      if (!palette) corrupt(`LZ palette image (type ${type}) arrived without a palette`);
      const bytes = new Uint8Array(stride * height);
      pos = bytePass(data, pos, bytes, bytes.length);
      pixels = new Uint32Array(n);
      expandPalette(type, bytes, stride, width, height, palette, pixels);
      format = 'xrgb';
    }
  }
  if (pos !== data.length) corrupt(`LZ image has ${data.length - pos} bytes after its last pixel`);
  if (!topDown) flipRows(pixels, width, height);
  return { width, height, pixels, format, lzType: type, topDown };
}

/**
 * Expands packed palette indices (rows of `stride` bytes) into opaque
 * pixels. 1-bit: ents[0]/ents[1]; 4-bit: index modulo the entry count (as
 * spice-common does); 8-bit: entries past the end read as black (spice-common
 * reads past its array there).
 */
export function expandPalette(type: number, bytes: Uint8Array, stride: number, width: number, height: number,
  palette: ArrayLike<number>, out: Uint32Array): void {
  const count = palette.length;
  const lut = new Uint32Array(type === LzImageType.PLT8 ? 256 : 16);
  if (type === LzImageType.PLT8) {
    for (let i = 0; i < 256; i++) lut[i] = 0xff000000 | (i < count ? palette[i] & 0xffffff : 0);
  } else if (type === LzImageType.PLT4_LE || type === LzImageType.PLT4_BE) {
    if (count === 0) corrupt('LZ 4-bit palette image has an empty palette');
    for (let i = 0; i < 16; i++) lut[i] = 0xff000000 | (palette[i % count] & 0xffffff);
  } else {
    for (let i = 0; i < 2; i++) lut[i] = 0xff000000 | (i < count ? palette[i] & 0xffffff : 0);
  }
  for (let y = 0; y < height; y++) {
    const s = y * stride;
    const o = y * width;
    switch (type) {
      case LzImageType.PLT8:
        for (let x = 0; x < width; x++) out[o + x] = lut[bytes[s + x]];
        break;
      case LzImageType.PLT4_LE:
        for (let x = 0; x < width; x++) out[o + x] = lut[(bytes[s + (x >>> 1)] >>> ((x & 1) << 2)) & 15];
        break;
      case LzImageType.PLT4_BE:
        for (let x = 0; x < width; x++) out[o + x] = lut[(bytes[s + (x >>> 1)] >>> ((~x & 1) << 2)) & 15];
        break;
      case LzImageType.PLT1_LE:
        for (let x = 0; x < width; x++) out[o + x] = lut[(bytes[s + (x >>> 3)] >>> (x & 7)) & 1];
        break;
      default: // PLT1_BE
        for (let x = 0; x < width; x++) out[o + x] = lut[(bytes[s + (x >>> 3)] >>> (7 - (x & 7))) & 1];
    }
  }
}

/** Reverses the row order in place (bottom-up to top-down). */
export function flipRows(pixels: Uint32Array, width: number, height: number): void {
  const tmp = new Uint32Array(width);
  for (let top = 0, bottom = height - 1; top < bottom; top++, bottom--) {
    const a = top * width;
    const b = bottom * width;
    tmp.set(pixels.subarray(a, a + width));
    pixels.copyWithin(a, b, b + width);
    pixels.set(tmp, b);
  }
}

/**
 * Decodes the LZ XXXA stream of a JPEG_ALPHA image into the alpha bytes of
 * `pixels` (top-down, `width` per row), leaving RGB alone. A stream whose
 * header is not top-down holds the bottom row first. `expectTopDown`, when
 * given (the JPEG_ALPHA TOP_DOWN flag), must agree with the header, as
 * spice-gtk requires.
 */
export function decodeLzAlphaInto(data: Uint8Array, pixels: Uint32Array, width: number, height: number,
  expectTopDown?: boolean): void {
  const h = readLzHeader(data);
  if (h.type !== LzImageType.XXXA) corrupt(`JPEG_ALPHA alpha stream has LZ type ${h.type}, not XXXA`);
  if (h.width !== width || h.height !== height) corrupt(`alpha stream is ${h.width}x${h.height}, image is ${width}x${height}`);
  if (expectTopDown !== undefined && expectTopDown !== h.topDown) corrupt('alpha stream and JPEG_ALPHA disagree on row order');
  if (pixels.length < width * height) corrupt('alpha target is smaller than the image');
  const n = width * height;
  checkExpansion(n, data.length - LZ_HEADER_SIZE);
  const alpha = new Uint8Array(n);
  const pos = bytePass(data, LZ_HEADER_SIZE, alpha, n);
  if (pos !== data.length) corrupt(`LZ alpha stream has ${data.length - pos} bytes after its last pixel`);
  for (let y = 0; y < height; y++) {
    const s = y * width;
    const o = (h.topDown ? y : height - 1 - y) * width;
    for (let x = 0; x < width; x++) pixels[o + x] = (pixels[o + x] & 0xffffff) | (alpha[s + x] << 24);
  }
}
