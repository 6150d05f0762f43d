/**
 * QUIC image decoder (SPICE image type QUIC): the lossless predictive codec
 * derived from SFALIC. Framing: five little-endian u32 (magic "QUIC",
 * version 0, type, width, height), then an MSB-first bit stream in
 * little-endian 32-bit words; rows are top-down. Row decoding is in
 * quic-rows.ts, constant tables in quic-tables.ts.
 *
 * Output follows types.ts: RGB types give 'xrgb' with alpha 0xFF, RGBA gives
 * 'argb' with the decoded alpha, GRAY gives r = g = b = value. RGB16 channels
 * (5 bits) are widened as spice-common's canvas does when it draws a QUIC
 * RGB16 image on a 32-bit surface: (v << 3) | (v >> 2).
 */
import { ErrorCode, SpiceError } from '../protocol/errors.js';
import { DEFAULT_MAX_PIXELS, type DecodeLimits, type DecodedImage, type PixelFormat } from './types.js';
import { EXPAND5, FAMILY_5BPC, FAMILY_8BPC } from './quic-tables.js';
import { QuicRowDecoder } from './quic-rows.js';

export type QuicType = 'gray' | 'rgb16' | 'rgb24' | 'rgb32' | 'rgba';

export interface QuicImage extends DecodedImage {
  quicType: QuicType;
}

export interface QuicHeader {
  quicType: QuicType;
  width: number;
  height: number;
  /** What decodeQuic's pixels will hold. */
  format: PixelFormat;
}

export interface QuicDecodeInfo extends QuicHeader {
  /** Bits of the stream the image used (after the 160 header bits). */
  bitsUsed: number;
  /** Bits the stream holds (whole 32-bit words only). */
  bitsAvailable: number;
}

/** "QUIC" read as a little-endian u32. */
export const QUIC_MAGIC = 0x43495551;
const QUIC_VERSION = 0;
const HEADER_BYTES = 20;
/** The type numbers of the QUIC header, index = number. */
const TYPES: readonly (QuicType | undefined)[] = [undefined, 'gray', 'rgb16', 'rgb24', 'rgb32', 'rgba'];

function corrupt(msg: string): SpiceError {
  return new SpiceError(ErrorCode.CORRUPT_IMAGE, `QUIC: ${msg}`);
}

function u32(d: Uint8Array, o: number): number {
  return (d[o]! | (d[o + 1]! << 8) | (d[o + 2]! << 16) | (d[o + 3]! << 24)) >>> 0;
}

/** Reads and checks the 20-byte header (magic, version, type, size against the limits). */
export function readQuicHeader(data: Uint8Array, limits: DecodeLimits = {}): QuicHeader {
  if (data.length < HEADER_BYTES) throw corrupt(`${data.length} bytes, shorter than the header`);
  const magic = u32(data, 0);
  if (magic !== QUIC_MAGIC) throw corrupt(`bad magic 0x${magic.toString(16)}`);
  const version = u32(data, 4);
  if (version !== QUIC_VERSION) throw corrupt(`unsupported version 0x${version.toString(16)}`);
  const typeNum = u32(data, 8);
  const quicType = TYPES[typeNum];
  if (quicType === undefined) throw corrupt(`unknown image type ${typeNum}`);
  const width = u32(data, 12);
  const height = u32(data, 16);
  // The reference reads these as C ints: zero or "negative" is invalid.
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) {
    throw corrupt(`invalid size ${width}x${height}`);
  }
  const maxPixels = limits.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (width * height > maxPixels) {
    throw corrupt(`${width}x${height} is more than the ${maxPixels}-pixel limit`);
  }
  return { quicType, width, height, format: quicType === 'rgba' ? 'argb' : 'xrgb' };
}

// One decoder reused by every call: its model tables and row buffers are
// kept (and grown) between images. Decoding is synchronous, so no two calls
// can interleave.
const shared = new QuicRowDecoder();

/**
 * Decodes into `out` (at least width*height words, 0xAARRGGBB, top-down).
 * Use readQuicHeader first to size the buffer. On error `out` may be partly
 * written.
 */
export function decodeQuicInto(data: Uint8Array, out: Uint32Array, limits: DecodeLimits = {}): QuicDecodeInfo {
  const h = readQuicHeader(data, limits);
  const { width, height, quicType } = h;
  if (out.length < width * height) {
    throw new SpiceError(ErrorCode.BAD_ARGUMENT, `QUIC: output holds ${out.length} pixels, ${width}x${height} needed`);
  }
  checkStreamLength(data, h);
  const d = shared;
  try {
    d.beginModel(data, quicType === 'rgb16' ? FAMILY_5BPC : FAMILY_8BPC, width);
    for (let k = 0; k < 5; k++) d.read32();
    if (quicType === 'rgb24' || quicType === 'rgb32') {
      // Rows are decoded straight into the output (0xFFRRGGBB words).
      const view = new Int32Array(out.buffer, out.byteOffset, width * height);
      for (let y = 0, o = 0; y < height; y++, o += width) {
        if (y) d.carry(0, 3);
        d.rgbRow(y === 0, view, o, view, o - width);
      }
    } else if (quicType === 'rgb16') {
      let row = d.rgbA, up = d.rgbB;
      const x = EXPAND5;
      for (let y = 0, o = 0; y < height; y++, o += width) {
        if (y) d.carry(0, 3);
        d.rgbRow(y === 0, row, 0, up, 0);
        for (let i = 0; i < width; i++) {
          const p = row[i]!;
          out[o + i] = 0xff000000 | (x[(p >> 16) & 31]! << 16) | (x[(p >> 8) & 31]! << 8) | x[p & 31]!;
        }
        const t = row; row = up; up = t;
      }
    } else if (quicType === 'rgba') {
      // Each row codes RGB, then its alpha plane with a model state of its own.
      let row = d.rgbA, up = d.rgbB, arow = d.planeA, aup = d.planeB;
      for (let y = 0, o = 0; y < height; y++, o += width) {
        if (y) d.carry(0, 4);
        d.rgbRow(y === 0, row, 0, up, 0);
        d.planeRow(y === 0, 3, arow, aup);
        for (let i = 0; i < width; i++) out[o + i] = (arow[i]! << 24) | (row[i]! & 0xffffff);
        const t = row; row = up; up = t;
        const ta = arow; arow = aup; aup = ta;
      }
    } else {
      let row = d.planeA, up = d.planeB;
      for (let y = 0, o = 0; y < height; y++, o += width) {
        if (y) d.carry(0, 1);
        d.planeRow(y === 0, 0, row, up);
        for (let i = 0; i < width; i++) out[o + i] = 0xff000000 | (row[i]! * 0x010101);
        const t = row; row = up; up = t;
      }
    }
    return {
      quicType, width, height, format: h.format, bitsUsed: d.bitPosition() - 160, bitsAvailable: d.nWords * 32,
    };
  } finally {
    d.endModel();
  }
}

/**
 * Pixels 0..2 of every row are never in a run, and every coded channel value
 * takes at least one bit: a stream shorter than that cannot hold the image.
 * Checked before allocating, so that a small message cannot claim a huge image.
 */
function checkStreamLength(data: Uint8Array, h: QuicHeader): void {
  const channels = h.quicType === 'gray' ? 1 : h.quicType === 'rgba' ? 4 : 3;
  const minBits = 160 + h.height * Math.min(h.width, 3) * channels;
  if ((data.length >>> 2) * 32 < minBits) {
    throw corrupt(`${data.length} bytes cannot hold a ${h.width}x${h.height} ${h.quicType} image`);
  }
}

/** Decodes a QUIC image (the bytes after the SPICE image's data_size field). */
export function decodeQuic(data: Uint8Array, limits: DecodeLimits = {}): QuicImage {
  const h = readQuicHeader(data, limits);
  checkStreamLength(data, h);
  const pixels = new Uint32Array(h.width * h.height);
  decodeQuicInto(data, pixels, limits);
  return { width: h.width, height: h.height, pixels, format: h.format, quicType: h.quicType };
}
