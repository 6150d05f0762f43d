/**
 * JPEG Huffman tables: canonical code construction from DHT counts and symbols, with
 * lookup tables for the scan decoder (jpeg-scan.ts), the standard tables libjpeg-turbo
 * substitutes for missing ones, and the zig-zag order.
 */
import { SpiceError, ErrorCode } from '../protocol/errors.js';

function corrupt(message: string): never {
  throw new SpiceError(ErrorCode.CORRUPT_IMAGE, `JPEG: ${message}`);
}

/** Bits looked at by the one-step table lookups. */
export const LOOKAHEAD = 9;

export interface HuffmanTable {
  /** Indexed by the next 9 bits: (code length << 8) | symbol, or 0 when the code is longer. */
  lookup: Int32Array;
  /**
   * AC tables only, indexed by the next 9 bits: when a coefficient's code and its extra
   * bits both fit, (value << 16) | (run << 8) | total bits; else 0.
   */
  fastAc: Int32Array;
  /** Largest code of each length 1..16, -1 when there is none. */
  maxcode: Int32Array;
  /** Index into `values` of the first code of each length, minus that code. */
  valptr: Int32Array;
  values: Uint8Array;
}

/**
 * Builds a canonical Huffman table from the 16 per-length counts and the symbols of a
 * DHT segment. Codes are assigned in increasing order, length by length; a table whose
 * codes do not fit their lengths, or that would use the all-ones code, is refused (as
 * libjpeg does), and DC tables may only hold categories 0..15.
 */
export function buildHuffmanTable(counts: Uint8Array, symbols: Uint8Array, isDC: boolean): HuffmanTable {
  const lookup = new Int32Array(1 << LOOKAHEAD);
  const maxcode = new Int32Array(18).fill(-1);
  const valptr = new Int32Array(18);
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    const n = counts[len - 1];
    valptr[len] = k - code;
    for (let i = 0; i < n; i++, k++, code++) {
      if (len <= LOOKAHEAD) {
        const shift = LOOKAHEAD - len;
        const entry = (len << 8) | symbols[k];
        lookup.fill(entry, code << shift, (code + 1) << shift);
      }
    }
    if (n > 0) maxcode[len] = code - 1;
    if (code >= 1 << len) corrupt('Huffman table has more codes than its lengths allow');
    code <<= 1;
  }
  if (isDC) {
    for (let i = 0; i < symbols.length; i++) if (symbols[i] > 15) corrupt(`DC Huffman table holds category ${symbols[i]}`);
  }
  const fastAc = new Int32Array(isDC ? 0 : 1 << LOOKAHEAD);
  if (!isDC) {
    for (let i = 0; i < fastAc.length; i++) {
      const e = lookup[i];
      if (e === 0) continue;
      const len = e >> 8, run = (e >> 4) & 15, size = e & 15;
      if (size === 0 || len + size > LOOKAHEAD) continue;
      // The extra bits follow the code inside the same 9-bit window.
      const raw = (i >> (LOOKAHEAD - len - size)) & ((1 << size) - 1);
      const value = raw < 1 << (size - 1) ? raw - (1 << size) + 1 : raw;
      fastAc[i] = (value << 16) | (run << 8) | (len + size);
    }
  }
  return { lookup, fastAc, maxcode, valptr, values: symbols.slice() };
}

/*
 * The example tables of the JPEG standard (ITU-T T.81 Annex K.3), which libjpeg's encoder
 * uses by default. libjpeg-turbo falls back to them when a scan names a table slot 0/1
 * that no DHT filled, and spice-server relies on that: after the first frame of an MJPEG
 * stream it leaves the Huffman tables out. Each AC list is its irregular head followed
 * by every other valid symbol (0x00, 0xF0, and run<<4|size for size 1..10) in order.
 */
const STD_DC_COUNTS = [
  [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0],
  [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0],
];
const STD_AC_COUNTS = [
  [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d],
  [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77],
];
const STD_AC_HEAD = [
  '01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282',
  '000102031104052131061241510761711322328108144291a1b1c109233352f0156272d10a162434e125f1',
];
const stdCache: (HuffmanTable | undefined)[] = [];

function hexBytes(h: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < h.length; i += 2) out.push(parseInt(h.slice(i, i + 2), 16));
  return out;
}

/** Standard table for slot 0 (luminance) or 1 (chrominance); undefined for other slots. */
export function standardHuffmanTable(isDC: boolean, slot: number): HuffmanTable | undefined {
  if (slot > 1) return undefined;
  const key = (isDC ? 0 : 2) + slot;
  const cached = stdCache[key];
  if (cached) return cached;
  const counts = isDC ? STD_DC_COUNTS[slot] : STD_AC_COUNTS[slot];
  let symbols: number[];
  if (isDC) {
    symbols = Array.from({ length: 12 }, (_, i) => i);
  } else {
    symbols = hexBytes(STD_AC_HEAD[slot]);
    const seen = new Set(symbols);
    for (let v = 0; v < 256; v++) {
      const valid = v === 0 || v === 0xf0 || ((v & 15) >= 1 && (v & 15) <= 10);
      if (valid && !seen.has(v)) symbols.push(v);
    }
  }
  const t = buildHuffmanTable(Uint8Array.from(counts), Uint8Array.from(symbols), isDC);
  stdCache[key] = t;
  return t;
}

/** Zig-zag scan position -> natural (row-major) index, built by walking the anti-diagonals. */
export const ZIGZAG: Uint8Array = (() => {
  const z = new Uint8Array(64);
  let k = 0;
  for (let s = 0; s < 15; s++) {
    // Odd diagonals run top-right to bottom-left, even ones the other way.
    const lo = Math.max(0, s - 7), hi = Math.min(7, s);
    for (let i = 0; i <= hi - lo; i++) {
      const row = s % 2 === 1 ? lo + i : hi - i;
      z[k++] = row * 8 + (s - row);
    }
  }
  return z;
})();

