/**
 * Pieces shared by the LZ and GLZ image encoders (lz-encode.ts,
 * glz-encode.ts): the growable output buffer, the hash of three pixels,
 * literal runs, and the size of a match's length field.
 *
 * Both formats code a pass over the pixels as instructions: a control byte
 * below 32 starts a run of ctrl+1 literal units; anything else is a match
 * whose length field (top 3 bits of the control byte, 7 = more bytes follow,
 * each 255 meaning "and more") counts units minus a per-pass bias (0 for the
 * RGB pass of 32-bit images, 2 for the alpha pass).
 *
 * A pass compares units as masked 0xAARRGGBB words: RGB_MASK for the RGB
 * pass (alpha ignored), ALPHA_MASK for the alpha pass.
 */
import { SpiceError, ErrorCode } from '../../protocol/errors.js';
import type { EncodeSource } from './types.js';
import { checkSource } from './types.js';
import { copyRows } from './copy-rows.js';

export const RGB_MASK = 0x00ffffff;
export const ALPHA_MASK = 0xff000000 | 0;

/** Longest literal run one control byte announces. */
export const MAX_LITERALS = 32;

/** "  ZL" as a big-endian u32, and version 1.1 (lz_common.h's values, as every decoder checks them). */
export const LZ_MAGIC = 0x20205a4c;
export const LZ_VERSION = 0x00010001;
export const LZ_TYPE_RGB32 = 8;
export const LZ_TYPE_RGBA = 9;

/**
 * spice-common refuses images whose byte size (stride x height) reaches
 * 1 GiB; 32-bit pixels make that 2^28 pixels.
 */
export const MAX_ENCODE_PIXELS = (1 << 28) - 1;

/**
 * A byte buffer kept between calls: encoders size it once per pass for the
 * worst case, then write with plain indexed stores.
 */
export class ByteSink {
  buf: Uint8Array;

  constructor(initial = 4096) {
    this.buf = new Uint8Array(initial);
  }

  /** Makes room for `extra` bytes after `pos` (keeping bytes before it); returns the buffer to write to. */
  reserve(pos: number, extra: number): Uint8Array {
    const need = pos + extra;
    if (need > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < need) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.buf.subarray(0, pos));
      this.buf = next;
    }
    return this.buf;
  }

  /** A copy of the first `end` bytes (the caller keeps it; the sink is reused). */
  take(end: number): Uint8Array {
    // writes past the end of a typed array vanish silently: a wrong size bound must not go unnoticed
    if (end > this.buf.length) throw new Error(`encoder output overran its buffer (${end} > ${this.buf.length})`);
    return this.buf.slice(0, end);
  }
}

/**
 * Bytes a pass of `n` units can take at most. Literal units cost `unitBytes`
 * each plus one control byte per run; a match is taken only when it costs no
 * more than the literals it replaces, but it may cut a literal run in two
 * (one more control byte), hence two extra bytes per unit as the bound.
 */
export function passBound(n: number, unitBytes: number): number {
  return n * (unitBytes + 2) + 64;
}

export function writeU32BE(out: Uint8Array, p: number, v: number): number {
  out[p] = v >>> 24;
  out[p + 1] = (v >>> 16) & 255;
  out[p + 2] = (v >>> 8) & 255;
  out[p + 3] = v & 255;
  return p + 4;
}

/**
 * Hash of three consecutive units, already masked and shifted to their
 * significant bits, into `bits` bits.
 */
export function hash3(a: number, b: number, c: number, shift: number): number {
  return Math.imul(a ^ Math.imul(b, 0x9e3779b1) ^ Math.imul(c, 0x85ebca77), 0xc2b2ae3d) >>> shift;
}

/**
 * Writes units [from, to) of `buf` as literal runs of at most 32. RGB units
 * are 3 bytes B,G,R; alpha units one byte (the top byte of the word).
 */
export function writeLiterals(out: Uint8Array, p: number, buf: Uint32Array, from: number, to: number, alpha: boolean): number {
  while (from < to) {
    const count = to - from < MAX_LITERALS ? to - from : MAX_LITERALS;
    out[p++] = count - 1;
    const end = from + count;
    if (alpha) {
      for (let i = from; i < end; i++) out[p++] = buf[i] >>> 24;
    } else {
      for (let i = from; i < end; i++) {
        const v = buf[i];
        out[p] = v & 255;
        out[p + 1] = (v >>> 8) & 255;
        out[p + 2] = (v >>> 16) & 255;
        p += 3;
      }
    }
    from = end;
  }
  return p;
}

/** Bytes that follow the control byte to finish a length field of value `lf` (>= 1). */
export function lengthExtraBytes(lf: number): number {
  return lf < 7 ? 0 : 1 + Math.floor((lf - 7) / 255);
}

/**
 * Writes the control byte (`low5` in its low 5 bits) and the rest of a length
 * field `lf` (>= 1).
 */
export function writeLength(out: Uint8Array, p: number, lf: number, low5: number): number {
  if (lf < 7) {
    out[p++] = (lf << 5) | low5;
    return p;
  }
  out[p++] = (7 << 5) | low5;
  let rest = lf - 7;
  while (rest >= 255) {
    out[p++] = 255;
    rest -= 255;
  }
  out[p++] = rest;
  return p;
}

/** Checks the rectangle and its size; both encoders call it first. */
export function checkEncodeSource(src: EncodeSource): void {
  if (!Number.isInteger(src.x) || !Number.isInteger(src.y) || !Number.isInteger(src.width)
    || !Number.isInteger(src.height) || !Number.isInteger(src.stride)) {
    throw new RangeError(`encode rectangle ${src.width}x${src.height}+${src.x}+${src.y} (stride ${src.stride}) is not in whole pixels`);
  }
  checkSource(src);
  if (src.width * src.height > MAX_ENCODE_PIXELS) {
    throw new SpiceError(ErrorCode.BAD_ARGUMENT, `image ${src.width}x${src.height} is too large for LZ (at most ${MAX_ENCODE_PIXELS} pixels)`);
  }
}

/**
 * The rectangle's pixels as one run of `width*height` words: the source
 * itself when its rows are adjacent, else the rows copied into `work`
 * (grown as needed). Returns the array and the index of the first pixel.
 */
export function contiguousPixels(src: EncodeSource, work: { buf: Uint32Array }): { buf: Uint32Array; base: number } {
  const { pixels, stride, x, y, width, height } = src;
  const first = y * stride + x;
  if (width === stride || height === 1) return { buf: pixels, base: first };
  const n = width * height;
  if (work.buf.length < n) work.buf = new Uint32Array(Math.max(n, work.buf.length * 2));
  copyRows(pixels, first, stride, width, height, work.buf, 0);
  return { buf: work.buf, base: 0 };
}
