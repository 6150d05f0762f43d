/**
 * SPICE LZ4 image encoder (image type LZ4), the layout spice-server's
 * server/lz4-encoder.c writes and spice-gtk (canvas_get_lz4) and
 * src/codecs/lz4.ts read:
 *
 *   u8 top_down (1: we always send rows top-down), u8 SPICE bitmap format
 *   (8 = 32BIT B,G,R,X or 9 = RGBA B,G,R,A), then blocks: a big-endian u32
 *   compressed size and one LZ4 block of a whole number of rows.
 *
 * The blocks are one linked stream, as LZ4_compress_fast_continue makes them:
 * a match may reach up to 64 KiB back into earlier blocks. That is safe
 * because both decoders decode every block into one contiguous buffer (spice-gtk
 * with LZ4_decompress_safe_continue, which keeps what it already wrote as the
 * dictionary).
 *
 * The compressor works on 32-bit pixels, not bytes: it looks matches up at
 * pixel boundaries only, with whole-pixel distances, and extends them a pixel
 * a step (then by the bytes of the pixels on either side that still agree).
 * That is still plain LZ4, which any decoder reads; it lets the hot loop
 * compare a pixel a step, and loses little on 4-byte pixels. Two hash tables:
 * pairs of pixels (finds the long matches, as LZ4's 4-byte window spanning
 * two pixels would) and, when no pair repeats, single pixels. On the golden
 * captures' images the output is within a few percent of liblz4's
 * (LZ4_compress_fast, acceleration 1, what spice-server calls).
 *
 * Each block keeps LZ4's end rules: the last 5 bytes are literals and no
 * match starts in the last 12. The 4th byte of a 32BIT pixel is sent as it
 * is in `pixels` (as spice-server sends the surface's): decoders ignore it.
 */
import { checkSource, type EncodeSource } from './types.js';
import { copyRows } from './copy-rows.js';

export interface Lz4EncodeOptions {
  /** Send the alpha byte (format RGBA); otherwise 32BIT, whose 4th byte decoders ignore. Default false. */
  alpha?: boolean;
  /**
   * Largest uncompressed block, in bytes; a block holds at least one row.
   * Default 256 KiB. (spice-server makes one block per chunk of the bitmap.)
   */
  blockBytes?: number;
}

const FMT_32BIT = 8;
const FMT_RGBA = 9;
const DEFAULT_BLOCK_BYTES = 256 * 1024;

/** Hash tables of up to 2^14 entries (the 16383-pixel reach: more did not compress better); small images use fewer. */
const MAX_HASH_BITS = 14;
const MIN_HASH_BITS = 10;
const EMPTY = -0x40000000;
/** LZ4 offsets are 16-bit byte counts: 16383 pixels is the farthest whole-pixel distance. */
const MAX_DIST_PX = 16383;
/** After this many misses in a row the search step grows by one pixel (LZ4's acceleration). */
const SKIP_TRIGGER = 6;

/** Worst-case LZ4 block size for n input bytes (literals with their length bytes and a token). */
function blockBound(n: number): number {
  return n + ((n / 255) | 0) + 16;
}

/**
 * Compresses SPICE LZ4 images, reusing its hash table and buffers from one
 * image to the next (one encoder per thread of work: not reentrant).
 */
export class Lz4Encoder {
  /** Last stream position of each hashed pixel pair, and of each single pixel. */
  private readonly pairs = new Int32Array(1 << MAX_HASH_BITS);
  private readonly singles = new Int32Array(1 << MAX_HASH_BITS);
  private scratch = new Uint32Array(0);
  private out = new Uint8Array(0);

  encode(src: EncodeSource, opts: Lz4EncodeOptions = {}): Uint8Array {
    checkSource(src);
    const { width, height } = src;
    const blockBytes = opts.blockBytes ?? DEFAULT_BLOCK_BYTES;
    if (!(blockBytes > 0)) throw new RangeError(`LZ4 blockBytes must be positive, got ${blockBytes}`);
    const n = width * height;
    // Rows must follow each other in memory: whole-width rectangles are read in
    // place, others are gathered row by row (a memcpy a row) into a scratch buffer.
    let words: Uint32Array;
    let base: number;
    if (width === src.stride || height === 1) {
      words = src.pixels;
      base = src.y * src.stride + src.x;
    } else {
      if (this.scratch.length < n) this.scratch = new Uint32Array(n);
      words = this.scratch;
      base = 0;
      copyRows(src.pixels, src.y * src.stride + src.x, src.stride, width, height, words, 0);
    }
    const bytes = new Uint8Array(words.buffer, words.byteOffset, words.length * 4);

    const rowsPerBlock = Math.min(height, Math.max(1, Math.floor(blockBytes / (width * 4))));
    const blocks = Math.ceil(height / rowsPerBlock);
    const bound = 2 + blocks * 4 + blockBound(n * 4) + blocks * 16;
    if (this.out.length < bound) this.out = new Uint8Array(bound);
    const out = this.out;
    out[0] = 1;
    out[1] = opts.alpha ? FMT_RGBA : FMT_32BIT;
    let op = 2;
    // a table about twice the pixel count: small images do not pay for clearing a large one
    const hashBits = Math.max(MIN_HASH_BITS, Math.min(MAX_HASH_BITS, 32 - Math.clz32(n)));
    const tableSize = 1 << hashBits;
    this.pairs.fill(EMPTY, 0, tableSize);
    this.singles.fill(EMPTY, 0, tableSize);
    for (let row = 0; row < height; row += rowsPerBlock) {
      const start = row * width;
      const end = Math.min(height, row + rowsPerBlock) * width;
      const sizeAt = op;
      op = compressBlock(words, bytes, base, start, end, this.pairs, this.singles, 32 - hashBits, out, op + 4);
      const size = op - sizeAt - 4;
      out[sizeAt] = size >>> 24;
      out[sizeAt + 1] = (size >>> 16) & 255;
      out[sizeAt + 2] = (size >>> 8) & 255;
      out[sizeAt + 3] = size & 255;
    }
    return out.slice(0, op);
  }
}

const shared = new Lz4Encoder();

/** Encodes `src` as the data of a SPICE LZ4 image (top-down rows). */
export function encodeLz4(src: EncodeSource, opts?: Lz4EncodeOptions): Uint8Array {
  return shared.encode(src, opts);
}

function writeLength(out: Uint8Array, op: number, n: number): number {
  while (n >= 255) {
    out[op++] = 255;
    n -= 255;
  }
  out[op++] = n;
  return op;
}

/** Writes a sequence's token (literal count, then `matchNibble`) and its literals bytes[from, to). */
function writeLiterals(bytes: Uint8Array, from: number, to: number, out: Uint8Array, op: number, matchNibble: number): number {
  const lit = to - from;
  out[op++] = (lit >= 15 ? 0xf0 : lit << 4) | matchNibble;
  if (lit >= 15) op = writeLength(out, op, lit - 15);
  if (lit > 32) {
    out.set(bytes.subarray(from, to), op);
    op += lit;
  } else {
    for (let i = from; i < to; i++) out[op++] = bytes[i];
  }
  return op;
}

/**
 * One LZ4 block over pixels [start, end) of the stream that begins at
 * words[base]; earlier pixels of the stream (down to 0) are history. The
 * hash tables hold stream positions and carry over between blocks.
 *
 * Matches are found and extended a pixel at a time, then by the bytes of the
 * neighbouring pixels that still agree (the low bytes after the match, the
 * high bytes before it): a pixel that differs only in one channel costs fewer
 * literals. So literal runs start and end anywhere, in bytes.
 */
function compressBlock(words: Uint32Array, bytes: Uint8Array, base: number, start: number, end: number,
  pairs: Int32Array, singles: Int32Array, shift: number, out: Uint8Array, op: number): number {
  const base4 = base * 4;
  let anchor = start * 4; // first byte (of the stream) not yet written
  // a match must end at least 5 bytes before the block's end and start at least 12 before it
  const matchEnd = end - 2;
  const lastStart = end - 3;
  let i = start;
  let misses = 1 << SKIP_TRIGGER;
  while (i <= lastStart) {
    // find a match: the pixel at i seen before, within reach
    let cand = 0;
    let found = false;
    while (i <= lastStart) {
      const w = words[base + i];
      const w1 = words[base + i + 1]; // i + 1 < end: lastStart leaves 2 pixels after i
      const hw = Math.imul(w, 0x9e3779b1);
      const h2 = (hw ^ Math.imul(w1, 0x85ebca6b)) >>> shift;
      cand = pairs[h2];
      pairs[h2] = i;
      if (i - cand <= MAX_DIST_PX && words[base + cand] === w && words[base + cand + 1] === w1) {
        found = true;
        break;
      }
      const h1 = hw >>> shift;
      cand = singles[h1];
      singles[h1] = i;
      if (i - cand <= MAX_DIST_PX && words[base + cand] === w) {
        found = true;
        break;
      }
      i += misses++ >>> SKIP_TRIGGER;
    }
    if (!found) break;
    // extend forwards by pixels, then by the low bytes of the next pixel that agree
    let e = i + 1;
    let c = cand + 1;
    while (e < matchEnd && words[base + e] === words[base + c]) {
      e++;
      c++;
    }
    // (at matchEnd all 4 may agree, but only 3 bytes are left before the last 5)
    let x = words[base + e] ^ words[base + c];
    const endByte = e * 4 + (x === 0 ? 3 : (31 - Math.clz32(x & -x)) >>> 3);
    // extend backwards by pixels, then by the high bytes of the pixel before that agree
    while ((i - 1) * 4 >= anchor && cand > 0 && words[base + i - 1] === words[base + cand - 1]) {
      i--;
      cand--;
    }
    let startByte = i * 4;
    if (cand > 0 && startByte > anchor) {
      x = words[base + i - 1] ^ words[base + cand - 1];
      startByte = Math.max(anchor, startByte - (Math.clz32(x) >>> 3));
    }
    const ml = endByte - startByte - 4;
    op = writeLiterals(bytes, base4 + anchor, base4 + startByte, out, op, ml >= 15 ? 15 : ml);
    const dist = (i - cand) * 4;
    out[op++] = dist & 255;
    out[op++] = dist >>> 8;
    if (ml >= 15) op = writeLength(out, op, ml - 15);
    // the pair just before the match's end is a likely start of a later match
    if (e - 2 > i) pairs[(Math.imul(words[base + e - 2], 0x9e3779b1) ^ Math.imul(words[base + e - 1], 0x85ebca6b)) >>> shift] = e - 2;
    // a long match restarts the search at full speed; short ones in noise (a repeated
    // pixel here and there) keep the acceleration, so incompressible areas pass quickly
    if (e - i >= 2) misses = 1 << SKIP_TRIGGER;
    anchor = endByte;
    i = e + (endByte > e * 4 ? 1 : 0);
  }
  return writeLiterals(bytes, base4 + anchor, base4 + end * 4, out, op, 0);
}
