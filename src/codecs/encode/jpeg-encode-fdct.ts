/**
 * Forward DCT and quantisation of one 8x8 block for the JPEG encoder.
 *
 * The DCT is the accurate integer one libjpeg uses by default (JDCT_ISLOW):
 * the Loeffler-Ligtenberg-Moschytz factorisation with 13-bit fixed-point
 * constants, rows first (results kept 2 bits larger), then columns; its
 * outputs are 8 times the true coefficients, so each is divided by 8 * the
 * quantiser, rounding half away from zero (by an exact multiply-and-shift).
 * Doing exactly that makes our coefficients, and so our files, those of
 * cjpeg/libjpeg-turbo.
 */

const CONST_BITS = 13;
const PASS1_BITS = 2;
const fix = (x: number): number => Math.round(x * (1 << CONST_BITS));
const c = (k: number): number => Math.cos((k * Math.PI) / 16);

// The rotation constants of the LLM flow graph, from cos(k*pi/16).
const F_0_298 = fix(Math.SQRT2 * (-c(1) + c(3) + c(5) - c(7)));
const F_0_390 = fix(Math.SQRT2 * (c(5) - c(3)) * -1);
const F_0_541 = fix(Math.SQRT2 * c(6));
const F_0_765 = fix(Math.SQRT2 * (c(2) - c(6)));
const F_0_899 = fix(Math.SQRT2 * (c(7) - c(3)) * -1);
const F_1_175 = fix(Math.SQRT2 * c(3));
const F_1_501 = fix(Math.SQRT2 * (c(1) + c(3) - c(5) - c(7)));
const F_1_847 = fix(Math.SQRT2 * (c(2) + c(6)));
const F_1_961 = fix(Math.SQRT2 * (c(3) + c(5)));
const F_2_053 = fix(Math.SQRT2 * (c(1) + c(3) - c(5) + c(7)));
const F_2_562 = fix(Math.SQRT2 * (c(1) + c(3)));
const F_3_072 = fix(Math.SQRT2 * (c(1) + c(3) + c(5) - c(7)));

/** The constants, for a test against their decimal names (0.298631336 ... 3.072711026). */
export const FDCT_CONSTANTS = {
  F_0_298, F_0_390, F_0_541, F_0_765, F_0_899, F_1_175, F_1_501, F_1_847, F_1_961, F_2_053, F_2_562, F_3_072,
};

/**
 * What the quantiser divides by, per natural index: half of the divisor d = 8q
 * (the rounding term) and d as a multiply-and-shift, floor(n / d) =
 * (n * mult) >>> shift, exact for every numerator it meets (see quantDivisors).
 */
export interface QuantDivisors {
  halves: Int32Array;
  mults: Int32Array;
  shifts: Int32Array;
}

/**
 * Numerators are |coefficient| + d/2 < 2^15 (8-bit samples give DCT outputs
 * of at most 8 * 1024, and d <= 8 * 255). With s = 15 + ceil(log2 d) and
 * m = floor(2^s / d) + 1, n * m / 2^s exceeds n / d by less than
 * 2^15 / 2^s <= 1 / d, which cannot carry it past the next integer, so the
 * floor is exact; and n * m < 2^15 * (2^s / d + 1) < 2^31 fits Math.imul.
 */
export function quantDivisors(table: Uint8Array): QuantDivisors {
  const halves = new Int32Array(64);
  const mults = new Int32Array(64);
  const shifts = new Int32Array(64);
  for (let i = 0; i < 64; i++) {
    const d = table[i] * 8;
    const s = 15 + Math.ceil(Math.log2(d));
    halves[i] = d >> 1;
    shifts[i] = s;
    mults[i] = Math.floor(2 ** s / d) + 1;
  }
  return { halves, mults, shifts };
}

/** round(v / d), halves away from zero, with d given as (h = d/2, m, s). */
function quantize(v: number, h: number, m: number, s: number): number {
  const sign = v >> 31; // 0 or -1: |v| and the sign put back without branches
  const q = Math.imul((v ^ sign) - sign + h, m) >>> s;
  return (q ^ sign) - sign;
}

const P1_SHIFT = CONST_BITS - PASS1_BITS;
const P1_ROUND = 1 << (P1_SHIFT - 1);
const P2_SHIFT = CONST_BITS + PASS1_BITS;
const P2_ROUND = 1 << (P2_SHIFT - 1);
const DC_ROUND = 1 << (PASS1_BITS - 1);

/**
 * Transforms the 8x8 samples at plane[pos], plane[pos + stride], ... (0..255)
 * and quantises them into `out`, in zigzag order: `unzigzag` maps a natural
 * index (row * 8 + column) to its zigzag position. `ws` is a 64-entry scratch.
 */
export function fdctQuantize(plane: Uint8Array, pos: number, stride: number, ws: Int32Array,
  quant: QuantDivisors, unzigzag: Uint8Array, out: Int32Array): void {
  const halves = quant.halves;
  const mults = quant.mults;
  const shifts = quant.shifts;
  // Pass 1: rows, level-shifted samples in, results scaled up by 2^PASS1_BITS.
  for (let r = 0, p = pos; r < 64; r += 8, p += stride) {
    const d0 = plane[p] - 128;
    const d1 = plane[p + 1] - 128;
    const d2 = plane[p + 2] - 128;
    const d3 = plane[p + 3] - 128;
    const d4 = plane[p + 4] - 128;
    const d5 = plane[p + 5] - 128;
    const d6 = plane[p + 6] - 128;
    const d7 = plane[p + 7] - 128;
    const t0 = d0 + d7;
    const t7 = d0 - d7;
    const t1 = d1 + d6;
    const t6 = d1 - d6;
    const t2 = d2 + d5;
    const t5 = d2 - d5;
    const t3 = d3 + d4;
    const t4 = d3 - d4;
    // even part
    const t10 = t0 + t3;
    const t13 = t0 - t3;
    const t11 = t1 + t2;
    const t12 = t1 - t2;
    ws[r] = (t10 + t11) << PASS1_BITS;
    ws[r + 4] = (t10 - t11) << PASS1_BITS;
    const z1 = Math.imul(t12 + t13, F_0_541);
    ws[r + 2] = (z1 + Math.imul(t13, F_0_765) + P1_ROUND) >> P1_SHIFT;
    ws[r + 6] = (z1 - Math.imul(t12, F_1_847) + P1_ROUND) >> P1_SHIFT;
    // odd part
    const z5 = Math.imul(t4 + t5 + t6 + t7, F_1_175);
    const a1 = Math.imul(t4 + t7, -F_0_899);
    const a2 = Math.imul(t5 + t6, -F_2_562);
    const a3 = Math.imul(t4 + t6, -F_1_961) + z5;
    const a4 = Math.imul(t5 + t7, -F_0_390) + z5;
    ws[r + 7] = (Math.imul(t4, F_0_298) + a1 + a3 + P1_ROUND) >> P1_SHIFT;
    ws[r + 5] = (Math.imul(t5, F_2_053) + a2 + a4 + P1_ROUND) >> P1_SHIFT;
    ws[r + 3] = (Math.imul(t6, F_3_072) + a2 + a3 + P1_ROUND) >> P1_SHIFT;
    ws[r + 1] = (Math.imul(t7, F_1_501) + a1 + a4 + P1_ROUND) >> P1_SHIFT;
  }
  // Pass 2: columns, removing the pass-1 scale (the factor 8 stays, for the
  // quantiser), each output quantised as it comes out.
  for (let col = 0; col < 8; col++) {
    const d0 = ws[col];
    const d1 = ws[col + 8];
    const d2 = ws[col + 16];
    const d3 = ws[col + 24];
    const d4 = ws[col + 32];
    const d5 = ws[col + 40];
    const d6 = ws[col + 48];
    const d7 = ws[col + 56];
    const t0 = d0 + d7;
    const t7 = d0 - d7;
    const t1 = d1 + d6;
    const t6 = d1 - d6;
    const t2 = d2 + d5;
    const t5 = d2 - d5;
    const t3 = d3 + d4;
    const t4 = d3 - d4;
    const t10 = t0 + t3;
    const t13 = t0 - t3;
    const t11 = t1 + t2;
    const t12 = t1 - t2;
    let n = col;
    out[unzigzag[n]] = quantize((t10 + t11 + DC_ROUND) >> PASS1_BITS, halves[n], mults[n], shifts[n]);
    n = col + 32;
    out[unzigzag[n]] = quantize((t10 - t11 + DC_ROUND) >> PASS1_BITS, halves[n], mults[n], shifts[n]);
    const z1 = Math.imul(t12 + t13, F_0_541);
    n = col + 16;
    out[unzigzag[n]] = quantize((z1 + Math.imul(t13, F_0_765) + P2_ROUND) >> P2_SHIFT, halves[n], mults[n], shifts[n]);
    n = col + 48;
    out[unzigzag[n]] = quantize((z1 - Math.imul(t12, F_1_847) + P2_ROUND) >> P2_SHIFT, halves[n], mults[n], shifts[n]);
    const z5 = Math.imul(t4 + t5 + t6 + t7, F_1_175);
    const a1 = Math.imul(t4 + t7, -F_0_899);
    const a2 = Math.imul(t5 + t6, -F_2_562);
    const a3 = Math.imul(t4 + t6, -F_1_961) + z5;
    const a4 = Math.imul(t5 + t7, -F_0_390) + z5;
    n = col + 56;
    out[unzigzag[n]] = quantize((Math.imul(t4, F_0_298) + a1 + a3 + P2_ROUND) >> P2_SHIFT, halves[n], mults[n], shifts[n]);
    n = col + 40;
    out[unzigzag[n]] = quantize((Math.imul(t5, F_2_053) + a2 + a4 + P2_ROUND) >> P2_SHIFT, halves[n], mults[n], shifts[n]);
    n = col + 24;
    out[unzigzag[n]] = quantize((Math.imul(t6, F_3_072) + a2 + a3 + P2_ROUND) >> P2_SHIFT, halves[n], mults[n], shifts[n]);
    n = col + 8;
    out[unzigzag[n]] = quantize((Math.imul(t7, F_1_501) + a1 + a4 + P2_ROUND) >> P2_SHIFT, halves[n], mults[n], shifts[n]);
  }
}
