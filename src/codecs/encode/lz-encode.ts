/**
 * SPICE LZ image encoder: the data of SPICE_IMAGE_TYPE_LZ_RGB images, as
 * spice-gtk (spice-common lz.c), spice-html5 (lz.js) and src/codecs/lz.ts
 * decode them.
 *
 * Stream: the 28-byte big-endian header (magic, version 1.1, type RGB32 or
 * RGBA, width, height, stride = width*4, top_down = 1), then an RGB pass over
 * every pixel and, for RGBA, an alpha pass over the same pixels.
 *
 * A match is coded as a distance back in units: 13 bits when distance-1 is
 * below 8191, else the 13-bit escape 0x1fff followed by 16 more bits, so a
 * match reaches at most 8191 + 65535 + 1 units back. Match lengths count
 * pixels in the RGB pass (shortest 1) and bytes minus 2 in the alpha pass
 * (shortest 3).
 *
 * Match finding is greedy, with three candidates per position: the previous
 * pixel (a run), the pixel one row up, and the last position whose three
 * pixels hashed alike; the candidate that saves most bytes wins, is extended
 * backwards over literals, and is taken only when it costs fewer bytes than
 * the literals it replaces. Rows that are adjacent in the source (full-width
 * rectangles) are read in place; others are first copied into a work buffer,
 * since matches run across row ends.
 */
import type { EncodeSource } from './types.js';
import {
  ALPHA_MASK, ByteSink, LZ_MAGIC, LZ_TYPE_RGB32, LZ_TYPE_RGBA, LZ_VERSION, RGB_MASK, checkEncodeSource,
  contiguousPixels, hash3, passBound, writeLength, writeLiterals, writeU32BE,
} from './lz-match.js';

export const LZ_HEADER_BYTES = 28;

/** Largest distance-1 of the short (13-bit) form; 0x1fff is the escape to the far form. */
const NEAR_LIMIT = 8191;
/** Largest distance a match may reach back. */
const MAX_DISTANCE = NEAR_LIMIT + 65535 + 1;

/** Hash table size (entries); 64 Ki entries of 4 bytes. */
const HASH_BITS = 16;
/** A candidate this long is good enough: the others are not tried. */
const GOOD_ENOUGH = 64;
/** After a match, the hash learns at most this many of its last positions. */
const INSERT_TAIL = 16;

export interface LzEncodeOptions {
  /** Encode as LZ_RGBA (alpha kept) instead of LZ_RGB32 (alpha dropped; decoders give 0xFF). */
  alpha?: boolean;
}

/**
 * An LZ encoder with its work buffers; reuse one instance for many images.
 * Not reentrant (one encode at a time), which JavaScript guarantees.
 */
export class LzEncoder {
  private readonly table = new Int32Array(1 << HASH_BITS).fill(-1);
  /**
   * Positions in `table` are stored as gen + index: entries below `gen` belong
   * to an earlier pass and are ignored, so the table is never cleared between
   * images.
   */
  private gen = 0;
  private readonly sink = new ByteSink(1 << 16);
  private readonly work = { buf: new Uint32Array(0) };

  /** Encodes the rectangle as a whole LZ stream, header included, top-down. */
  encode(src: EncodeSource, opts: LzEncodeOptions = {}): Uint8Array {
    checkEncodeSource(src);
    const alpha = opts.alpha === true;
    const { width, height } = src;
    const n = width * height;
    const { buf, base } = contiguousPixels(src, this.work);
    const out = this.sink.reserve(0, LZ_HEADER_BYTES + passBound(n, 3) + (alpha ? passBound(n, 1) : 0));
    let p = writeU32BE(out, 0, LZ_MAGIC);
    p = writeU32BE(out, p, LZ_VERSION);
    p = writeU32BE(out, p, alpha ? LZ_TYPE_RGBA : LZ_TYPE_RGB32);
    p = writeU32BE(out, p, width);
    p = writeU32BE(out, p, height);
    p = writeU32BE(out, p, width * 4);
    p = writeU32BE(out, p, 1);
    p = this.pass(out, p, buf, base, n, width, false);
    // The literals after the last match are written here, not at the end of pass(): V8
    // compiles pass()'s loop while it runs (OSR), before any pass has ended, and a call after
    // the loop that had never run threw that code away at the end of every image.
    if (this.tail < base + n) p = writeLiterals(out, p, buf, this.tail, base + n, false);
    if (alpha) {
      p = this.pass(out, p, buf, base, n, width, true);
      if (this.tail < base + n) p = writeLiterals(out, p, buf, this.tail, base + n, true);
    }
    return this.sink.take(p);
  }

  /** Where the literals pass() left unwritten start (they run to the end of the units). */
  private tail = 0;

  /**
   * One pass over units buf[base .. base+n); returns the output position after it. The
   * literals after the last match are left to the caller, from `tail`.
   */
  private pass(out: Uint8Array, p: number, buf: Uint32Array, base: number, n: number, w: number, alpha: boolean): number {
    if (this.gen + n >= 0x7fffffff) {
      this.table.fill(-1);
      this.gen = 0;
    }
    const table = this.table;
    const gen = this.gen - base; // entry = gen + absolute index
    const mask = alpha ? ALPHA_MASK : RGB_MASK;
    const shift = alpha ? 24 : 0;
    const unitBytes = alpha ? 1 : 3;
    const bias = alpha ? 2 : 0;
    const minLen = bias + 1;
    const hashShift = 32 - HASH_BITS;
    const end = base + n;
    const hashEnd = end - 2;
    const above = w > 1 && w <= MAX_DISTANCE ? w : 0;

    let lit = base;
    let ip = base;
    while (ip < end) {
      const v = buf[ip];
      const lim = end - ip;
      let bestLen = 0;
      let bestDist = 0;
      let bestGain = 0;

      // a run: the previous unit repeated
      if (ip > base && ((buf[ip - 1] ^ v) & mask) === 0) {
        let l = 1;
        while (l < lim && ((buf[ip + l] ^ v) & mask) === 0) l++;
        if (l >= minLen) {
          const lf = l - bias;
          const gain = l * unitBytes - 2 - (lf < 7 ? 0 : 1 + (((lf - 7) / 255) | 0));
          if (gain > bestGain) {
            bestGain = gain;
            bestLen = l;
            bestDist = 1;
          }
        }
      }

      // the unit one row up
      if (above !== 0 && bestLen < GOOD_ENOUGH && ip - base >= above) {
        const ref = ip - above;
        if (((buf[ref] ^ v) & mask) === 0) {
          let l = 1;
          while (l < lim && ((buf[ref + l] ^ buf[ip + l]) & mask) === 0) l++;
          if (l >= minLen) {
            const lf = l - bias;
            const gain = l * unitBytes - (above - 1 < NEAR_LIMIT ? 2 : 4) - (lf < 7 ? 0 : 1 + (((lf - 7) / 255) | 0));
            if (gain > bestGain) {
              bestGain = gain;
              bestLen = l;
              bestDist = above;
            }
          }
        }
      }

      // the last position with the same hash
      if (ip < hashEnd) {
        const h = hash3((v & mask) >>> shift, (buf[ip + 1] & mask) >>> shift, (buf[ip + 2] & mask) >>> shift, hashShift);
        const e = table[h] - gen;
        table[h] = gen + ip;
        if (bestLen < GOOD_ENOUGH && e >= base) {
          const d = ip - e;
          if (d <= MAX_DISTANCE && d !== bestDist && ((buf[e] ^ v) & mask) === 0) {
            let l = 1;
            while (l < lim && ((buf[e + l] ^ buf[ip + l]) & mask) === 0) l++;
            if (l >= minLen) {
              const lf = l - bias;
              const gain = l * unitBytes - (d - 1 < NEAR_LIMIT ? 2 : 4) - (lf < 7 ? 0 : 1 + (((lf - 7) / 255) | 0));
              if (gain > bestGain) {
                bestGain = gain;
                bestLen = l;
                bestDist = d;
              }
            }
          }
        }
      }

      if (bestGain <= 0) {
        ip++;
        continue;
      }
      // the match may start before ip (where the hash pointed elsewhere)
      while (ip > lit && ip - bestDist > base && ((buf[ip - 1] ^ buf[ip - 1 - bestDist]) & mask) === 0) {
        ip--;
        bestLen++;
      }

      if (lit < ip) p = writeLiterals(out, p, buf, lit, ip, alpha);
      let ofs = bestDist - 1;
      const lf = bestLen - bias;
      if (ofs < NEAR_LIMIT) {
        p = writeLength(out, p, lf, ofs >>> 8);
        out[p++] = ofs & 255;
      } else {
        ofs -= NEAR_LIMIT;
        p = writeLength(out, p, lf, 31);
        out[p++] = 255;
        out[p++] = ofs >>> 8;
        out[p++] = ofs & 255;
      }

      // let the hash learn the end of the match (where the next match will likely continue)
      const next = ip + bestLen;
      let j = next - INSERT_TAIL > ip + 1 ? next - INSERT_TAIL : ip + 1;
      const stop = next < hashEnd ? next : hashEnd;
      for (; j < stop; j++) {
        table[hash3((buf[j] & mask) >>> shift, (buf[j + 1] & mask) >>> shift, (buf[j + 2] & mask) >>> shift, hashShift)] = gen + j;
      }
      ip = next;
      lit = ip;
    }
    this.tail = lit;
    this.gen += n;
    return p;
  }
}

const shared = new LzEncoder();

/**
 * Encodes a rectangle of 0xAARRGGBB pixels as an LZ stream (the data of an
 * LZ_RGB image): LZ_RGBA with `alpha`, else LZ_RGB32. Throws a RangeError
 * when the rectangle is not inside the buffer.
 */
export function encodeLz(src: EncodeSource, opts?: LzEncodeOptions): Uint8Array {
  return shared.encode(src, opts);
}
