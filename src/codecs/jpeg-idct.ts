/**
 * JPEG inverse DCTs in the two integer variants spice-gtk asks libjpeg(-turbo) for:
 *
 * - "islow" (JDCT_ISLOW, libjpeg's default; spice-gtk's still JPEG images): the
 *   Loeffler-Ligtenberg-Moschytz factorisation in 13-bit fixed point, two passes
 *   (columns, then rows) with one rounding shift after each pass.
 * - "ifast" (JDCT_IFAST; spice-gtk's MJPEG video frames): the Arai-Agui-Nakajima
 *   factorisation in 8-bit fixed point whose per-coefficient scale factors are folded
 *   into the dequantisation table, every multiply truncating.
 *
 * Both must give exactly the integers libjpeg-turbo gives (its SIMD code is bit-exact
 * with its C code), because spice-gtk's pixels are the reference the tests hold us to.
 * The order of additions and where each shift happens are therefore part of the
 * contract, not style.
 *
 * Input: 64 dequantised coefficients in natural (row-major) order. Output: 8x8 samples
 * written into a plane at `off` with `stride`. Out-of-range results wrap modulo 1024
 * before clamping, as libjpeg's range-limit table does (only corrupt data gets there).
 */

/** Fixed-point scale of islow constants. */
const SLOW_BITS = 13;
/** Extra precision islow keeps between its passes. */
const PASS1_BITS = 2;

function fix13(x: number): number {
  return Math.floor(x * (1 << SLOW_BITS) + 0.5);
}

/** sqrt(2) * cos(k*pi/16), the scale of DCT basis k. */
const C = (k: number): number => Math.SQRT2 * Math.cos((k * Math.PI) / 16);

/*
 * The LLM rotation constants (sqrt(2) times cosines, and sums of them), written as
 * 9-decimal values, how the factorisation is tabulated: the fixed-point integers must be
 * rounded from exactly those numbers.
 */
const K_0_298631336 = fix13(0.298631336);
const K_0_390180644 = fix13(0.390180644);
const K_0_541196100 = fix13(0.5411961);
const K_0_765366865 = fix13(0.765366865);
const K_0_899976223 = fix13(0.899976223);
const K_1_175875602 = fix13(1.175875602);
const K_1_501321110 = fix13(1.50132111);
const K_1_847759065 = fix13(1.847759065);
const K_1_961570560 = fix13(1.96157056);
const K_2_053119869 = fix13(2.053119869);
const K_2_562915447 = fix13(2.562915447);
const K_3_072711026 = fix13(3.072711026);

/**
 * Clamp table indexed by ((x + 512) & 1023) where x is the signed IDCT output before
 * the +128 level shift: [-512, -129] -> 0, [-128, 127] -> x + 128, [128, 511] -> 255.
 */
export const RANGE_LIMIT: Uint8Array = (() => {
  const t = new Uint8Array(1024);
  for (let i = 0; i < 1024; i++) {
    const v = i - 512 + 128;
    t[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return t;
})();

/** The islow IDCT of one block (see file header). `ws` is a 64-entry scratch area. */
export function idctIslow(blk: Int32Array, out: Uint8Array, off: number, stride: number, ws: Int32Array): void {
  // Pass 1: columns -> ws, scaled up by 2^PASS1_BITS.
  for (let c = 0; c < 8; c++) {
    const i0 = blk[c], i1 = blk[8 + c], i2 = blk[16 + c], i3 = blk[24 + c];
    const i4 = blk[32 + c], i5 = blk[40 + c], i6 = blk[48 + c], i7 = blk[56 + c];
    if ((i1 | i2 | i3 | i4 | i5 | i6 | i7) === 0) {
      // Only DC in this column: every output is the same (the general path gives this too).
      const d = i0 << PASS1_BITS;
      ws[c] = d; ws[8 + c] = d; ws[16 + c] = d; ws[24 + c] = d;
      ws[32 + c] = d; ws[40 + c] = d; ws[48 + c] = d; ws[56 + c] = d;
      continue;
    }
    // Even half: inputs 0, 2, 4, 6.
    let z1 = (i2 + i6) * K_0_541196100;
    const e2 = z1 - i6 * K_1_847759065;
    const e3 = z1 + i2 * K_0_765366865;
    const e0 = (i0 + i4) * (1 << SLOW_BITS);
    const e1 = (i0 - i4) * (1 << SLOW_BITS);
    const t10 = e0 + e3, t13 = e0 - e3, t11 = e1 + e2, t12 = e1 - e2;
    // Odd half: inputs 7, 5, 3, 1.
    z1 = i7 + i1;
    let z2 = i5 + i3;
    let z3 = i7 + i3;
    let z4 = i5 + i1;
    const z5 = (z3 + z4) * K_1_175875602;
    z1 *= -K_0_899976223;
    z2 *= -K_2_562915447;
    z3 = z3 * -K_1_961570560 + z5;
    z4 = z4 * -K_0_390180644 + z5;
    const o0 = i7 * K_0_298631336 + z1 + z3;
    const o1 = i5 * K_2_053119869 + z2 + z4;
    const o2 = i3 * K_3_072711026 + z2 + z3;
    const o3 = i1 * K_1_501321110 + z1 + z4;
    const R = 1 << (SLOW_BITS - PASS1_BITS - 1);
    const S = SLOW_BITS - PASS1_BITS;
    ws[c] = (t10 + o3 + R) >> S;
    ws[56 + c] = (t10 - o3 + R) >> S;
    ws[8 + c] = (t11 + o2 + R) >> S;
    ws[48 + c] = (t11 - o2 + R) >> S;
    ws[16 + c] = (t12 + o1 + R) >> S;
    ws[40 + c] = (t12 - o1 + R) >> S;
    ws[24 + c] = (t13 + o0 + R) >> S;
    ws[32 + c] = (t13 - o0 + R) >> S;
  }
  // Pass 2: rows -> samples, removing PASS1_BITS and the DCT's factor of 8.
  const S2 = SLOW_BITS + PASS1_BITS + 3;
  const R2 = 1 << (S2 - 1);
  for (let r = 0, p = 0; r < 8; r++, p += 8, off += stride) {
    const i0 = ws[p], i1 = ws[p + 1], i2 = ws[p + 2], i3 = ws[p + 3];
    const i4 = ws[p + 4], i5 = ws[p + 5], i6 = ws[p + 6], i7 = ws[p + 7];
    if ((i1 | i2 | i3 | i4 | i5 | i6 | i7) === 0) {
      const v = RANGE_LIMIT[(((i0 + (1 << (PASS1_BITS + 2))) >> (PASS1_BITS + 3)) + 512) & 1023];
      out[off] = v; out[off + 1] = v; out[off + 2] = v; out[off + 3] = v;
      out[off + 4] = v; out[off + 5] = v; out[off + 6] = v; out[off + 7] = v;
      continue;
    }
    let z1 = (i2 + i6) * K_0_541196100;
    const e2 = z1 - i6 * K_1_847759065;
    const e3 = z1 + i2 * K_0_765366865;
    const e0 = (i0 + i4) * (1 << SLOW_BITS);
    const e1 = (i0 - i4) * (1 << SLOW_BITS);
    const t10 = e0 + e3, t13 = e0 - e3, t11 = e1 + e2, t12 = e1 - e2;
    z1 = i7 + i1;
    let z2 = i5 + i3;
    let z3 = i7 + i3;
    let z4 = i5 + i1;
    const z5 = (z3 + z4) * K_1_175875602;
    z1 *= -K_0_899976223;
    z2 *= -K_2_562915447;
    z3 = z3 * -K_1_961570560 + z5;
    z4 = z4 * -K_0_390180644 + z5;
    const o0 = i7 * K_0_298631336 + z1 + z3;
    const o1 = i5 * K_2_053119869 + z2 + z4;
    const o2 = i3 * K_3_072711026 + z2 + z3;
    const o3 = i1 * K_1_501321110 + z1 + z4;
    out[off] = RANGE_LIMIT[(((t10 + o3 + R2) >> S2) + 512) & 1023];
    out[off + 7] = RANGE_LIMIT[(((t10 - o3 + R2) >> S2) + 512) & 1023];
    out[off + 1] = RANGE_LIMIT[(((t11 + o2 + R2) >> S2) + 512) & 1023];
    out[off + 6] = RANGE_LIMIT[(((t11 - o2 + R2) >> S2) + 512) & 1023];
    out[off + 2] = RANGE_LIMIT[(((t12 + o1 + R2) >> S2) + 512) & 1023];
    out[off + 5] = RANGE_LIMIT[(((t12 - o1 + R2) >> S2) + 512) & 1023];
    out[off + 3] = RANGE_LIMIT[(((t13 + o0 + R2) >> S2) + 512) & 1023];
    out[off + 4] = RANGE_LIMIT[(((t13 - o0 + R2) >> S2) + 512) & 1023];
  }
}

/**
 * idctIslow for a block whose non-zero coefficients all lie in the top-left 4x4 (most
 * blocks of a screen image): the same integer expressions with the zero terms left
 * out, so the result is identical.
 */
export function idctIslow4(blk: Int32Array, out: Uint8Array, off: number, stride: number, ws: Int32Array): void {
  const R = 1 << (SLOW_BITS - PASS1_BITS - 1);
  const S = SLOW_BITS - PASS1_BITS;
  for (let c = 0; c < 4; c++) {
    const i0 = blk[c], i1 = blk[8 + c], i2 = blk[16 + c], i3 = blk[24 + c];
    if ((i1 | i2 | i3) === 0) {
      const d = i0 << PASS1_BITS;
      ws[c] = d; ws[8 + c] = d; ws[16 + c] = d; ws[24 + c] = d;
      ws[32 + c] = d; ws[40 + c] = d; ws[48 + c] = d; ws[56 + c] = d;
      continue;
    }
    const z1 = i2 * K_0_541196100;
    const e3 = z1 + i2 * K_0_765366865;
    const e0 = i0 * (1 << SLOW_BITS);
    const t10 = e0 + e3, t13 = e0 - e3, t11 = e0 + z1, t12 = e0 - z1;
    const z5 = (i3 + i1) * K_1_175875602;
    const y1 = i1 * -K_0_899976223;
    const y2 = i3 * -K_2_562915447;
    const y3 = i3 * -K_1_961570560 + z5;
    const y4 = i1 * -K_0_390180644 + z5;
    const o0 = y1 + y3;
    const o1 = y2 + y4;
    const o2 = i3 * K_3_072711026 + y2 + y3;
    const o3 = i1 * K_1_501321110 + y1 + y4;
    ws[c] = (t10 + o3 + R) >> S;
    ws[56 + c] = (t10 - o3 + R) >> S;
    ws[8 + c] = (t11 + o2 + R) >> S;
    ws[48 + c] = (t11 - o2 + R) >> S;
    ws[16 + c] = (t12 + o1 + R) >> S;
    ws[40 + c] = (t12 - o1 + R) >> S;
    ws[24 + c] = (t13 + o0 + R) >> S;
    ws[32 + c] = (t13 - o0 + R) >> S;
  }
  const S2 = SLOW_BITS + PASS1_BITS + 3;
  const R2 = 1 << (S2 - 1);
  for (let r = 0, p = 0; r < 8; r++, p += 8, off += stride) {
    const i0 = ws[p], i1 = ws[p + 1], i2 = ws[p + 2], i3 = ws[p + 3];
    if ((i1 | i2 | i3) === 0) {
      const v = RANGE_LIMIT[(((i0 + (1 << (PASS1_BITS + 2))) >> (PASS1_BITS + 3)) + 512) & 1023];
      out[off] = v; out[off + 1] = v; out[off + 2] = v; out[off + 3] = v;
      out[off + 4] = v; out[off + 5] = v; out[off + 6] = v; out[off + 7] = v;
      continue;
    }
    const z1 = i2 * K_0_541196100;
    const e3 = z1 + i2 * K_0_765366865;
    const e0 = i0 * (1 << SLOW_BITS);
    const t10 = e0 + e3, t13 = e0 - e3, t11 = e0 + z1, t12 = e0 - z1;
    const z5 = (i3 + i1) * K_1_175875602;
    const y1 = i1 * -K_0_899976223;
    const y2 = i3 * -K_2_562915447;
    const y3 = i3 * -K_1_961570560 + z5;
    const y4 = i1 * -K_0_390180644 + z5;
    const o0 = y1 + y3;
    const o1 = y2 + y4;
    const o2 = i3 * K_3_072711026 + y2 + y3;
    const o3 = i1 * K_1_501321110 + y1 + y4;
    out[off] = RANGE_LIMIT[(((t10 + o3 + R2) >> S2) + 512) & 1023];
    out[off + 7] = RANGE_LIMIT[(((t10 - o3 + R2) >> S2) + 512) & 1023];
    out[off + 1] = RANGE_LIMIT[(((t11 + o2 + R2) >> S2) + 512) & 1023];
    out[off + 6] = RANGE_LIMIT[(((t11 - o2 + R2) >> S2) + 512) & 1023];
    out[off + 2] = RANGE_LIMIT[(((t12 + o1 + R2) >> S2) + 512) & 1023];
    out[off + 5] = RANGE_LIMIT[(((t12 - o1 + R2) >> S2) + 512) & 1023];
    out[off + 3] = RANGE_LIMIT[(((t13 + o0 + R2) >> S2) + 512) & 1023];
    out[off + 4] = RANGE_LIMIT[(((t13 - o0 + R2) >> S2) + 512) & 1023];
  }
}

/** Fixed-point scale of ifast constants. */
const FAST_BITS = 8;
const K_1_082392200 = Math.floor(1.0823922 * (1 << FAST_BITS) + 0.5);
const K_1_414213562 = Math.floor(1.414213562 * (1 << FAST_BITS) + 0.5);
const K_1_847759065F = Math.floor(1.847759065 * (1 << FAST_BITS) + 0.5);
const K_2_613125930 = Math.floor(2.61312593 * (1 << FAST_BITS) + 0.5);

/**
 * Dequantisation multipliers for ifast, in natural order: the quantiser times the AAN
 * output scale of its row and column (each 1 for index 0, sqrt(2)*cos(k*pi/16)
 * otherwise), that product held to 14 bits and then reduced to 2 fractional bits
 * with rounding.
 */
export function ifastMultipliers(quantNatural: Uint16Array): Int32Array {
  const m = new Int32Array(64);
  for (let i = 0; i < 64; i++) m[i] = Math.floor((quantNatural[i] * AAN_SCALES[i] + 2048) / 4096);
  return m;
}

/** The AAN output scales of ifastMultipliers, held to 14 bits. */
const AAN_SCALES: Int32Array = (() => {
  const t = new Int32Array(64);
  for (let i = 0; i < 64; i++) {
    const r = i >> 3, c = i & 7;
    t[i] = Math.round((r === 0 ? 1 : C(r)) * (c === 0 ? 1 : C(c)) * 16384);
  }
  return t;
})();

/** (x * k) >> 8 with libjpeg's truncation toward minus infinity. */
function mulFast(x: number, k: number): number {
  return (x * k) >> FAST_BITS;
}

/** The ifast IDCT of one block, whose coefficients were scaled by ifastMultipliers(). */
export function idctIfast(blk: Int32Array, out: Uint8Array, off: number, stride: number, ws: Int32Array): void {
  // Pass 1: columns. The multipliers already carry 2 fractional bits, the inter-pass precision.
  for (let c = 0; c < 8; c++) {
    const i0 = blk[c], i1 = blk[8 + c], i2 = blk[16 + c], i3 = blk[24 + c];
    const i4 = blk[32 + c], i5 = blk[40 + c], i6 = blk[48 + c], i7 = blk[56 + c];
    if ((i1 | i2 | i3 | i4 | i5 | i6 | i7) === 0) {
      ws[c] = i0; ws[8 + c] = i0; ws[16 + c] = i0; ws[24 + c] = i0;
      ws[32 + c] = i0; ws[40 + c] = i0; ws[48 + c] = i0; ws[56 + c] = i0;
      continue;
    }
    let t10 = i0 + i4;
    let t11 = i0 - i4;
    const t13 = i2 + i6;
    let t12 = mulFast(i2 - i6, K_1_414213562) - t13;
    const e0 = t10 + t13, e3 = t10 - t13, e1 = t11 + t12, e2 = t11 - t12;
    const z13 = i5 + i3, z10 = i5 - i3, z11 = i1 + i7, z12 = i1 - i7;
    const o7 = z11 + z13;
    t11 = mulFast(z11 - z13, K_1_414213562);
    const z5 = mulFast(z10 + z12, K_1_847759065F);
    t10 = mulFast(z12, K_1_082392200) - z5;
    t12 = mulFast(z10, -K_2_613125930) + z5;
    const o6 = t12 - o7;
    const o5 = t11 - o6;
    const o4 = t10 + o5;
    ws[c] = e0 + o7; ws[56 + c] = e0 - o7;
    ws[8 + c] = e1 + o6; ws[48 + c] = e1 - o6;
    ws[16 + c] = e2 + o5; ws[40 + c] = e2 - o5;
    ws[32 + c] = e3 + o4; ws[24 + c] = e3 - o4;
  }
  // Pass 2: rows, then drop the 2 fractional bits and the factor of 8 by truncation.
  for (let r = 0, p = 0; r < 8; r++, p += 8, off += stride) {
    const i0 = ws[p], i1 = ws[p + 1], i2 = ws[p + 2], i3 = ws[p + 3];
    const i4 = ws[p + 4], i5 = ws[p + 5], i6 = ws[p + 6], i7 = ws[p + 7];
    if ((i1 | i2 | i3 | i4 | i5 | i6 | i7) === 0) {
      const v = RANGE_LIMIT[((i0 >> 5) + 512) & 1023];
      out[off] = v; out[off + 1] = v; out[off + 2] = v; out[off + 3] = v;
      out[off + 4] = v; out[off + 5] = v; out[off + 6] = v; out[off + 7] = v;
      continue;
    }
    let t10 = i0 + i4;
    let t11 = i0 - i4;
    const t13 = i2 + i6;
    let t12 = mulFast(i2 - i6, K_1_414213562) - t13;
    const e0 = t10 + t13, e3 = t10 - t13, e1 = t11 + t12, e2 = t11 - t12;
    const z13 = i5 + i3, z10 = i5 - i3, z11 = i1 + i7, z12 = i1 - i7;
    const o7 = z11 + z13;
    t11 = mulFast(z11 - z13, K_1_414213562);
    const z5 = mulFast(z10 + z12, K_1_847759065F);
    t10 = mulFast(z12, K_1_082392200) - z5;
    t12 = mulFast(z10, -K_2_613125930) + z5;
    const o6 = t12 - o7;
    const o5 = t11 - o6;
    const o4 = t10 + o5;
    out[off] = RANGE_LIMIT[(((e0 + o7) >> 5) + 512) & 1023];
    out[off + 7] = RANGE_LIMIT[(((e0 - o7) >> 5) + 512) & 1023];
    out[off + 1] = RANGE_LIMIT[(((e1 + o6) >> 5) + 512) & 1023];
    out[off + 6] = RANGE_LIMIT[(((e1 - o6) >> 5) + 512) & 1023];
    out[off + 2] = RANGE_LIMIT[(((e2 + o5) >> 5) + 512) & 1023];
    out[off + 5] = RANGE_LIMIT[(((e2 - o5) >> 5) + 512) & 1023];
    out[off + 4] = RANGE_LIMIT[(((e3 + o4) >> 5) + 512) & 1023];
    out[off + 3] = RANGE_LIMIT[(((e3 - o4) >> 5) + 512) & 1023];
  }
}

/** idctIfast for a block whose non-zero coefficients all lie in the top-left 4x4 (see idctIslow4). */
export function idctIfast4(blk: Int32Array, out: Uint8Array, off: number, stride: number, ws: Int32Array): void {
  for (let c = 0; c < 4; c++) {
    const i0 = blk[c], i1 = blk[8 + c], i2 = blk[16 + c], i3 = blk[24 + c];
    if ((i1 | i2 | i3) === 0) {
      ws[c] = i0; ws[8 + c] = i0; ws[16 + c] = i0; ws[24 + c] = i0;
      ws[32 + c] = i0; ws[40 + c] = i0; ws[48 + c] = i0; ws[56 + c] = i0;
      continue;
    }
    const t12 = mulFast(i2, K_1_414213562) - i2;
    const e0 = i0 + i2, e3 = i0 - i2, e1 = i0 + t12, e2 = i0 - t12;
    const o7 = i1 + i3;
    const t11 = mulFast(i1 - i3, K_1_414213562);
    const z5 = mulFast(i1 - i3, K_1_847759065F);
    const t10 = mulFast(i1, K_1_082392200) - z5;
    const t12b = mulFast(-i3, -K_2_613125930) + z5;
    const o6 = t12b - o7;
    const o5 = t11 - o6;
    const o4 = t10 + o5;
    ws[c] = e0 + o7; ws[56 + c] = e0 - o7;
    ws[8 + c] = e1 + o6; ws[48 + c] = e1 - o6;
    ws[16 + c] = e2 + o5; ws[40 + c] = e2 - o5;
    ws[32 + c] = e3 + o4; ws[24 + c] = e3 - o4;
  }
  for (let r = 0, p = 0; r < 8; r++, p += 8, off += stride) {
    const i0 = ws[p], i1 = ws[p + 1], i2 = ws[p + 2], i3 = ws[p + 3];
    if ((i1 | i2 | i3) === 0) {
      const v = RANGE_LIMIT[((i0 >> 5) + 512) & 1023];
      out[off] = v; out[off + 1] = v; out[off + 2] = v; out[off + 3] = v;
      out[off + 4] = v; out[off + 5] = v; out[off + 6] = v; out[off + 7] = v;
      continue;
    }
    const t12 = mulFast(i2, K_1_414213562) - i2;
    const e0 = i0 + i2, e3 = i0 - i2, e1 = i0 + t12, e2 = i0 - t12;
    const o7 = i1 + i3;
    const t11 = mulFast(i1 - i3, K_1_414213562);
    const z5 = mulFast(i1 - i3, K_1_847759065F);
    const t10 = mulFast(i1, K_1_082392200) - z5;
    const t12b = mulFast(-i3, -K_2_613125930) + z5;
    const o6 = t12b - o7;
    const o5 = t11 - o6;
    const o4 = t10 + o5;
    out[off] = RANGE_LIMIT[(((e0 + o7) >> 5) + 512) & 1023];
    out[off + 7] = RANGE_LIMIT[(((e0 - o7) >> 5) + 512) & 1023];
    out[off + 1] = RANGE_LIMIT[(((e1 + o6) >> 5) + 512) & 1023];
    out[off + 6] = RANGE_LIMIT[(((e1 - o6) >> 5) + 512) & 1023];
    out[off + 2] = RANGE_LIMIT[(((e2 + o5) >> 5) + 512) & 1023];
    out[off + 5] = RANGE_LIMIT[(((e2 - o5) >> 5) + 512) & 1023];
    out[off + 4] = RANGE_LIMIT[(((e3 + o4) >> 5) + 512) & 1023];
    out[off + 3] = RANGE_LIMIT[(((e3 - o4) >> 5) + 512) & 1023];
  }
}

/** The sample a DC-only block decodes to, for each method (same as running the IDCT). */
export function dcOnlyIslow(dc: number): number {
  return RANGE_LIMIT[((((dc << PASS1_BITS) + (1 << (PASS1_BITS + 2))) >> (PASS1_BITS + 3)) + 512) & 1023];
}
export function dcOnlyIfast(dc: number): number {
  return RANGE_LIMIT[((dc >> 5) + 512) & 1023];
}
