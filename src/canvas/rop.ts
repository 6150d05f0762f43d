/**
 * Raster operations: the 16 two-operand ROPs (X11 GX codes, the ones the
 * reference canvas uses internally), the mapping from SPICE ROP descriptors
 * to them, and the 256 three-operand ROP3 codes of DRAW_ROP3.
 */
import { Ropd } from '../protocol/enums/index.js';

/** Two-operand raster operations; value = X11 GX function code. */
export const Rop = {
  CLEAR: 0x0, AND: 0x1, AND_REVERSE: 0x2, COPY: 0x3, AND_INVERTED: 0x4, NOOP: 0x5, XOR: 0x6, OR: 0x7,
  NOR: 0x8, EQUIV: 0x9, INVERT: 0xa, OR_REVERSE: 0xb, COPY_INVERTED: 0xc, OR_INVERTED: 0xd, NAND: 0xe, SET: 0xf,
} as const;
export type Rop = (typeof Rop)[keyof typeof Rop];

/** Which operand plays "source" in a descriptor: the image, the brush or the destination. */
export type RopInput = 'src' | 'brush' | 'dest';

const INVERT_FLAG: Record<RopInput, number> = {
  src: Ropd.INVERS_SRC, brush: Ropd.INVERS_BRUSH, dest: Ropd.INVERS_DEST,
};

/**
 * Maps a ROP descriptor to a two-operand ROP, with `srcInput` as the ROP's
 * source and `destInput` as its destination (DRAW_FILL: brush/dest,
 * DRAW_COPY: src/dest, DRAW_OPAQUE: brush/src). The first operation flag
 * found in the order PUT, OR, AND, XOR, BLACKNESS, WHITENESS, INVERS wins;
 * none means COPY.
 */
export function ropFromDescriptor(desc: number, srcInput: RopInput, destInput: RopInput): Rop {
  const invS = (desc & INVERT_FLAG[srcInput]) !== 0;
  const invD = (desc & INVERT_FLAG[destInput]) !== 0;
  const invR = (desc & Ropd.INVERS_RES) !== 0;
  if (desc & Ropd.OP_PUT) return invS !== invR ? Rop.COPY_INVERTED : Rop.COPY;
  if (desc & Ropd.OP_OR) return ropOfTruth(invR, (s, d) => (invS ? !s : s) || (invD ? !d : d));
  if (desc & Ropd.OP_AND) return ropOfTruth(invR, (s, d) => (invS ? !s : s) && (invD ? !d : d));
  if (desc & Ropd.OP_XOR) return ropOfTruth(invR, (s, d) => (invS ? !s : s) !== (invD ? !d : d));
  if (desc & Ropd.OP_BLACKNESS) return Rop.CLEAR;
  if (desc & Ropd.OP_WHITENESS) return Rop.SET;
  if (desc & Ropd.OP_INVERS) return Rop.INVERT;
  return Rop.COPY;
}

/** The GX code of a boolean function of (src, dest), optionally negated. */
function ropOfTruth(negate: boolean, f: (s: boolean, d: boolean) => boolean): Rop {
  // X11 numbering: code bit ((!s) << 1 | !d) holds f(s, d) (GXand = 1, GXcopy = 3, GXnor = 8).
  let code = 0;
  for (let s = 0; s < 2; s++) {
    for (let d = 0; d < 2; d++) {
      if (f(s === 1, d === 1) !== negate) code |= 1 << (((1 - s) << 1) | (1 - d));
    }
  }
  return code as Rop;
}

/** Applies `rop` to 32-bit words. */
export function rop2(rop: number, s: number, d: number): number {
  switch (rop) {
    case Rop.CLEAR: return 0;
    case Rop.AND: return (s & d) >>> 0;
    case Rop.AND_REVERSE: return (s & ~d) >>> 0;
    case Rop.COPY: return s >>> 0;
    case Rop.AND_INVERTED: return (~s & d) >>> 0;
    case Rop.NOOP: return d >>> 0;
    case Rop.XOR: return (s ^ d) >>> 0;
    case Rop.OR: return (s | d) >>> 0;
    case Rop.NOR: return (~s & ~d) >>> 0;
    case Rop.EQUIV: return (~s ^ d) >>> 0;
    case Rop.INVERT: return ~d >>> 0;
    case Rop.OR_REVERSE: return (s | ~d) >>> 0;
    case Rop.COPY_INVERTED: return ~s >>> 0;
    case Rop.OR_INVERTED: return (~s | d) >>> 0;
    case Rop.NAND: return (~s | ~d) >>> 0;
    default: return 0xffffffff;
  }
}

/** dst[di..di+n) = rop(value, dst) */
export function ropSolidRow(rop: number, dst: Uint32Array, di: number, n: number, value: number): void {
  const end = di + n;
  switch (rop) {
    case Rop.COPY: dst.fill(value, di, end); return;
    case Rop.CLEAR: dst.fill(0, di, end); return;
    case Rop.SET: dst.fill(0xffffffff, di, end); return;
    case Rop.NOOP: return;
    case Rop.XOR: for (let i = di; i < end; i++) dst[i] = dst[i]! ^ value; return;
    case Rop.AND: for (let i = di; i < end; i++) dst[i] = dst[i]! & value; return;
    case Rop.OR: for (let i = di; i < end; i++) dst[i] = dst[i]! | value; return;
    case Rop.INVERT: for (let i = di; i < end; i++) dst[i] = ~dst[i]!; return;
    default: for (let i = di; i < end; i++) dst[i] = rop2(rop, value, dst[i]!); return;
  }
}

/** dst[di..di+n) = rop(src[si..], dst) */
export function ropCopyRow(rop: number, dst: Uint32Array, di: number, src: Uint32Array, si: number, n: number): void {
  switch (rop) {
    case Rop.COPY: dst.set(src.subarray(si, si + n), di); return;
    case Rop.NOOP: return;
    case Rop.XOR: for (let i = 0; i < n; i++) dst[di + i] = dst[di + i]! ^ src[si + i]!; return;
    case Rop.AND: for (let i = 0; i < n; i++) dst[di + i] = dst[di + i]! & src[si + i]!; return;
    case Rop.OR: for (let i = 0; i < n; i++) dst[di + i] = dst[di + i]! | src[si + i]!; return;
    default: for (let i = 0; i < n; i++) dst[di + i] = rop2(rop, src[si + i]!, dst[di + i]!); return;
  }
}

/**
 * A ROP3 on 32-bit words: bit i of `code` is the result for pattern, source
 * and destination bits (p, s, d) with i = p << 2 | s << 1 | d (the Windows
 * ternary raster-op numbering: P = 0xF0, S = 0xCC, D = 0xAA give `code`).
 */
export function rop3(code: number, p: number, s: number, d: number): number {
  // Shannon expansion on P: code's high nibble applies where P is 1, low where 0.
  const hi = fn2(code >>> 4, s, d);
  const lo = fn2(code & 15, s, d);
  return ((p & hi) | (~p & lo)) >>> 0;
}

/** Two-input function of (s, d): bit (s << 1 | d) of the 4-bit code. */
function fn2(c: number, s: number, d: number): number {
  switch (c) {
    case 0: return 0;
    case 1: return ~s & ~d;
    case 2: return ~s & d;
    case 3: return ~s;
    case 4: return s & ~d;
    case 5: return ~d;
    case 6: return s ^ d;
    case 7: return ~(s & d);
    case 8: return s & d;
    case 9: return ~(s ^ d);
    case 10: return d;
    case 11: return ~s | d;
    case 12: return s;
    case 13: return s | ~d;
    case 14: return s | d;
    default: return -1;
  }
}
