/**
 * The operators pixman evaluates in single-precision floating point
 * (SATURATE, DISJOINT_*, CONJOINT_*, COLOR_DODGE, COLOR_BURN, SOFT_LIGHT and
 * the HSL modes), with every intermediate rounded to float32 as C does, and
 * pixman's conversions between 8-bit channels and floats.
 */
import { PixOp } from './combine8.js';

const F = Math.fround;
const FLT_MIN = 1.1754943508222875e-38;
const isZero = (f: number): boolean => -FLT_MIN < f && f < FLT_MIN;
const clamp01 = (f: number): number => (f < 0 ? 0 : f > 1 ? 1 : f);

/** pixman_float_to_unorm(f, 8). */
export function floatToUnorm8(f: number): number {
  if (f > 1) f = 1;
  if (f < 0 || Number.isNaN(f)) f = 0; // NaN converts to 0 on x86 for in-range casts... keep it defined
  let u = Math.trunc(F(f * 256));
  u -= u >>> 8;
  return u;
}

/** Reciprocals of 2^n - 1 as float32 (pixman_expand_to_float's multipliers). */
export const UNORM_MUL: readonly number[] = Array.from({ length: 16 }, (_, n) => (n === 0 ? 0 : F(1 / ((1 << n) - 1))));

type Factor = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12 | 13;
const ZERO = 0, ONE = 1, SRC_ALPHA = 2, DEST_ALPHA = 3, INV_SA = 4, INV_DA = 5, SA_OVER_DA = 6, DA_OVER_SA = 7,
  INV_SA_OVER_DA = 8, INV_DA_OVER_SA = 9, ONE_MINUS_SA_OVER_DA = 10, ONE_MINUS_DA_OVER_SA = 11,
  ONE_MINUS_INV_DA_OVER_SA = 12, ONE_MINUS_INV_SA_OVER_DA = 13;

function factor(f: Factor, sa: number, da: number): number {
  switch (f) {
    case ZERO: return 0;
    case ONE: return 1;
    case SRC_ALPHA: return sa;
    case DEST_ALPHA: return da;
    case INV_SA: return F(1 - sa);
    case INV_DA: return F(1 - da);
    case SA_OVER_DA: return isZero(da) ? 1 : clamp01(F(sa / da));
    case DA_OVER_SA: return isZero(sa) ? 1 : clamp01(F(da / sa));
    case INV_SA_OVER_DA: return isZero(da) ? 1 : clamp01(F(F(1 - sa) / da));
    case INV_DA_OVER_SA: return isZero(sa) ? 1 : clamp01(F(F(1 - da) / sa));
    case ONE_MINUS_SA_OVER_DA: return isZero(da) ? 0 : clamp01(F(1 - F(sa / da)));
    case ONE_MINUS_DA_OVER_SA: return isZero(sa) ? 0 : clamp01(F(1 - F(da / sa)));
    case ONE_MINUS_INV_DA_OVER_SA: return isZero(sa) ? 0 : clamp01(F(1 - F(F(1 - da) / sa)));
    default: return isZero(da) ? 0 : clamp01(F(1 - F(F(1 - sa) / da)));
  }
}

/** Porter-Duff factor pairs for codes 0x00-0x0d, 0x10-0x1b, 0x20-0x2b. */
const PD: Record<number, [Factor, Factor]> = {
  0x00: [ZERO, ZERO], 0x01: [ONE, ZERO], 0x02: [ZERO, ONE], 0x03: [ONE, INV_SA], 0x04: [INV_DA, ONE],
  0x05: [DEST_ALPHA, ZERO], 0x06: [ZERO, SRC_ALPHA], 0x07: [INV_DA, ZERO], 0x08: [ZERO, INV_SA],
  0x09: [DEST_ALPHA, INV_SA], 0x0a: [INV_DA, SRC_ALPHA], 0x0b: [INV_DA, INV_SA], 0x0c: [ONE, ONE],
  0x0d: [INV_DA_OVER_SA, ONE],
  0x10: [ZERO, ZERO], 0x11: [ONE, ZERO], 0x12: [ZERO, ONE], 0x13: [ONE, INV_SA_OVER_DA],
  0x14: [INV_DA_OVER_SA, ONE], 0x15: [ONE_MINUS_INV_DA_OVER_SA, ZERO], 0x16: [ZERO, ONE_MINUS_INV_SA_OVER_DA],
  0x17: [INV_DA_OVER_SA, ZERO], 0x18: [ZERO, INV_SA_OVER_DA], 0x19: [ONE_MINUS_INV_DA_OVER_SA, INV_SA_OVER_DA],
  0x1a: [INV_DA_OVER_SA, ONE_MINUS_INV_SA_OVER_DA], 0x1b: [INV_DA_OVER_SA, INV_SA_OVER_DA],
  0x20: [ZERO, ZERO], 0x21: [ONE, ZERO], 0x22: [ZERO, ONE], 0x23: [ONE, ONE_MINUS_SA_OVER_DA],
  0x24: [ONE_MINUS_DA_OVER_SA, ONE], 0x25: [DA_OVER_SA, ZERO], 0x26: [ZERO, SA_OVER_DA],
  0x27: [ONE_MINUS_DA_OVER_SA, ZERO], 0x28: [ZERO, ONE_MINUS_SA_OVER_DA], 0x29: [DA_OVER_SA, ONE_MINUS_SA_OVER_DA],
  0x2a: [ONE_MINUS_DA_OVER_SA, SA_OVER_DA], 0x2b: [ONE_MINUS_DA_OVER_SA, ONE_MINUS_SA_OVER_DA],
};

function pd(fa: Factor, fb: Factor, sa: number, s: number, da: number, d: number): number {
  const r = F(F(s * factor(fa, sa, da)) + F(d * factor(fb, sa, da)));
  return r < 1 ? r : 1;
}

function blendSep(op: number, sa: number, s: number, da: number, d: number): number {
  switch (op) {
    case PixOp.MULTIPLY: return F(d * s);
    case PixOp.SCREEN: return F(F(F(d * sa) + F(s * da)) - F(s * d));
    case PixOp.OVERLAY:
      return F(2 * d) < da ? F(F(2 * s) * d) : F(F(sa * da) - F(F(2 * F(da - d)) * F(sa - s)));
    case PixOp.DARKEN: { const x = F(s * da), y = F(d * sa); return x > y ? y : x; }
    case PixOp.LIGHTEN: { const x = F(s * da), y = F(d * sa); return x > y ? x : y; }
    case PixOp.COLOR_DODGE:
      if (isZero(d)) return 0;
      if (F(d * sa) >= F(F(sa * da) - F(s * da))) return F(sa * da);
      if (isZero(F(sa - s))) return F(sa * da);
      return F(F(F(sa * sa) * d) / F(sa - s));
    case PixOp.COLOR_BURN:
      if (d >= da) return F(sa * da);
      if (F(sa * F(da - d)) >= F(s * da)) return 0;
      if (isZero(s)) return 0;
      return F(sa * F(da - F(F(sa * F(da - d)) / s)));
    case PixOp.HARD_LIGHT:
      return F(2 * s) < sa ? F(F(2 * s) * d) : F(F(sa * da) - F(F(2 * F(da - d)) * F(sa - s)));
    case PixOp.SOFT_LIGHT:
      if (F(2 * s) <= sa) {
        if (isZero(da)) return F(d * sa);
        return F(F(d * sa) - F(F(F(d * F(da - d)) * F(sa - F(2 * s))) / da));
      }
      if (isZero(da)) return F(d * sa);
      if (F(4 * d) <= da) {
        const t = F(F(F(F(F(F(16 * d) / da) - 12) * d) / da) + 3);
        return F(F(d * sa) + F(F(F(F(2 * s) - sa) * d) * t));
      }
      return F(F(d * sa) + F(F(F(Math.sqrt(F(d * da))) - d) * F(F(2 * s) - sa)));
    case PixOp.DIFFERENCE: { const dsa = F(d * sa), sda = F(s * da); return sda < dsa ? F(dsa - sda) : F(sda - dsa); }
    default: /* EXCLUSION */ return F(F(F(s * da) + F(d * sa)) - F(F(2 * d) * s));
  }
}

// --------------------------------------------------------------- HSL modes

interface Rgb { r: number; g: number; b: number }
const lum = (c: Rgb): number => F(F(F(c.r * F(0.3)) + F(c.g * F(0.59))) + F(c.b * F(0.11)));
const cmin = (c: Rgb): number => Math.min(Math.min(c.r, c.g), c.b);
const cmax = (c: Rgb): number => Math.max(Math.max(c.r, c.g), c.b);

function clipColor(c: Rgb, a: number): void {
  const l = lum(c), n = cmin(c), x = cmax(c);
  if (n < 0) {
    const t = F(l - n);
    if (isZero(t)) { c.r = c.g = c.b = 0; } else {
      c.r = F(l + F(F(F(c.r - l) * l) / t));
      c.g = F(l + F(F(F(c.g - l) * l) / t));
      c.b = F(l + F(F(F(c.b - l) * l) / t));
    }
  }
  if (x > a) {
    const t = F(x - l);
    if (isZero(t)) { c.r = c.g = c.b = a; } else {
      c.r = F(l + F(F(F(c.r - l) * F(a - l)) / t));
      c.g = F(l + F(F(F(c.g - l) * F(a - l)) / t));
      c.b = F(l + F(F(F(c.b - l) * F(a - l)) / t));
    }
  }
}

function setLum(c: Rgb, sa: number, l: number): void {
  const d = F(l - lum(c));
  c.r = F(c.r + d); c.g = F(c.g + d); c.b = F(c.b + d);
  clipColor(c, sa);
}

function setSat(c: Rgb, sat: number): void {
  type K = 'r' | 'g' | 'b';
  let max: K, mid: K, min: K;
  if (c.r > c.g) {
    if (c.r > c.b) { max = 'r'; if (c.g > c.b) { mid = 'g'; min = 'b'; } else { mid = 'b'; min = 'g'; } } else { max = 'b'; mid = 'r'; min = 'g'; }
  } else if (c.r > c.b) { max = 'g'; mid = 'r'; min = 'b'; } else {
    min = 'r';
    if (c.g > c.b) { max = 'g'; mid = 'b'; } else { max = 'b'; mid = 'g'; }
  }
  const t = F(c[max] - c[min]);
  if (isZero(t)) { c[mid] = 0; c[max] = 0; } else {
    c[mid] = F(F(F(c[mid] - c[min]) * sat) / t);
    c[max] = sat;
  }
  c[min] = 0;
}

function blendHsl(op: number, res: Rgb, dc: Rgb, da: number, sc: Rgb, sa: number): void {
  switch (op) {
    case PixOp.HSL_HUE:
      res.r = F(sc.r * da); res.g = F(sc.g * da); res.b = F(sc.b * da);
      setSat(res, F(F(cmax(dc) - cmin(dc)) * sa));
      setLum(res, F(sa * da), F(lum(dc) * sa));
      return;
    case PixOp.HSL_SATURATION:
      res.r = F(dc.r * sa); res.g = F(dc.g * sa); res.b = F(dc.b * sa);
      setSat(res, F(F(cmax(sc) - cmin(sc)) * da));
      setLum(res, F(sa * da), F(lum(dc) * sa));
      return;
    case PixOp.HSL_COLOR:
      res.r = F(sc.r * da); res.g = F(sc.g * da); res.b = F(sc.b * da);
      setLum(res, F(sa * da), F(lum(dc) * sa));
      return;
    default: /* LUMINOSITY */
      res.r = F(dc.r * sa); res.g = F(dc.g * sa); res.b = F(dc.b * sa);
      setLum(res, F(sa * da), F(lum(sc) * da));
  }
}

const tmpS: Rgb = { r: 0, g: 0, b: 0 }, tmpD: Rgb = { r: 0, g: 0, b: 0 }, tmpR: Rgb = { r: 0, g: 0, b: 0 };

/**
 * One pixel of a float operator. `s`, `m`, `d` are [a, r, g, b] floats
 * (m = null for no mask); the result is written into `d`.
 */
export function combineFloat(op: number, ca: boolean, s: Float32Array | number[], m: Float32Array | number[] | null, d: Float32Array | number[]): void {
  let sa = s[0]!, sr = s[1]!, sg = s[2]!, sb = s[3]!;
  const da = d[0]!, dr = d[1]!, dg = d[2]!, db = d[3]!;
  if (op >= PixOp.HSL_HUE && op <= PixOp.HSL_LUMINOSITY) {
    if (ca && m) return; // pixman maps component-alpha HSL to DST
    if (m) {
      const ma = m[0]!;
      // pixman scales green twice and blue not at all here; kept for equal output.
      sa = F(sa * ma); sr = F(sr * ma); sg = F(sg * ma); sg = F(sg * ma);
    }
    tmpS.r = sr; tmpS.g = sg; tmpS.b = sb;
    tmpD.r = dr; tmpD.g = dg; tmpD.b = db;
    blendHsl(op, tmpR, tmpD, da, tmpS, sa);
    d[0] = F(F(sa + da) - F(sa * da));
    d[1] = F(F(F(F(1 - sa) * dr) + F(F(1 - da) * sr)) + tmpR.r);
    d[2] = F(F(F(F(1 - sa) * dg) + F(F(1 - da) * sg)) + tmpR.g);
    d[3] = F(F(F(F(1 - sa) * db) + F(F(1 - da) * sb)) + tmpR.b);
    return;
  }
  let ma: number, mr: number, mg: number, mb: number;
  if (!m) {
    ma = mr = mg = mb = sa;
  } else if (ca) {
    ma = m[0]!; mr = m[1]!; mg = m[2]!; mb = m[3]!;
    sr = F(sr * mr); sg = F(sg * mg); sb = F(sb * mb);
    ma = F(ma * sa); mr = F(mr * sa); mg = F(mg * sa); mb = F(mb * sa);
    sa = ma;
  } else {
    const k = m[0]!;
    sa = F(sa * k); sr = F(sr * k); sg = F(sg * k); sb = F(sb * k);
    ma = mr = mg = mb = sa;
  }
  const pdf = PD[op];
  if (pdf) {
    const [fa, fb] = pdf;
    d[0] = pd(fa, fb, ma, sa, da, da);
    d[1] = pd(fa, fb, mr, sr, da, dr);
    d[2] = pd(fa, fb, mg, sg, da, dg);
    d[3] = pd(fa, fb, mb, sb, da, db);
    return;
  }
  // Separable PDF modes.
  const sep = (a: number, c: number, dc: number): number =>
    F(F(F(F(1 - a) * dc) + F(F(1 - da) * c)) + blendSep(op, a, c, da, dc));
  d[0] = F(F(da + ma) - F(da * ma));
  d[1] = sep(mr, sr, dr);
  d[2] = sep(mg, sg, dg);
  d[3] = sep(mb, sb, db);
}
