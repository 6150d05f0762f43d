/**
 * 8-bit-per-channel Porter-Duff and PDF separable blend combiners, with
 * pixman's integer arithmetic (premultiplied a8r8g8b8, x*y/255 rounded as
 * (t + (t >> 8)) >> 8 with t = x*y + 128, saturating adds). These are the
 * operators pixman computes in 8 bits; the others go through combinef.ts.
 */

export const PixOp = {
  CLEAR: 0x00, SRC: 0x01, DST: 0x02, OVER: 0x03, OVER_REVERSE: 0x04, IN: 0x05, IN_REVERSE: 0x06,
  OUT: 0x07, OUT_REVERSE: 0x08, ATOP: 0x09, ATOP_REVERSE: 0x0a, XOR: 0x0b, ADD: 0x0c, SATURATE: 0x0d,
  MULTIPLY: 0x30, SCREEN: 0x31, OVERLAY: 0x32, DARKEN: 0x33, LIGHTEN: 0x34, COLOR_DODGE: 0x35,
  COLOR_BURN: 0x36, HARD_LIGHT: 0x37, SOFT_LIGHT: 0x38, DIFFERENCE: 0x39, EXCLUSION: 0x3a,
  HSL_HUE: 0x3b, HSL_SATURATION: 0x3c, HSL_COLOR: 0x3d, HSL_LUMINOSITY: 0x3e,
} as const;

/** True for operator codes pixman knows. */
export function validOp(op: number): boolean {
  return (op >= 0 && op <= 0x0d) || (op >= 0x10 && op <= 0x1b) || (op >= 0x20 && op <= 0x2b) || (op >= 0x30 && op <= 0x3e);
}

/** Operators pixman evaluates in floating point (they divide). */
export function needsFloat(op: number): boolean {
  return op === 0x0d || (op >= 0x10 && op <= 0x1b) || (op >= 0x20 && op <= 0x2b)
    || op === 0x35 || op === 0x36 || op === 0x38 || (op >= 0x3b && op <= 0x3e);
}

/** x*a/255, pixman rounding. */
export function mul8(x: number, a: number): number {
  const t = x * a + 0x80;
  return ((t >> 8) + t) >> 8;
}

const A = (p: number): number => p >>> 24;

/** Every channel of x times a. */
export function mulW(x: number, a: number): number {
  return ((mul8(x >>> 24, a) << 24) | (mul8((x >>> 16) & 255, a) << 16) | (mul8((x >>> 8) & 255, a) << 8) | mul8(x & 255, a)) >>> 0;
}

/** Channel-wise x times a. */
export function mulWW(x: number, a: number): number {
  return ((mul8(x >>> 24, a >>> 24) << 24) | (mul8((x >>> 16) & 255, (a >>> 16) & 255) << 16)
    | (mul8((x >>> 8) & 255, (a >>> 8) & 255) << 8) | mul8(x & 255, a & 255)) >>> 0;
}

const sat = (v: number): number => (v > 255 ? 255 : v);

export function addW(x: number, y: number): number {
  return ((sat((x >>> 24) + (y >>> 24)) << 24) | (sat(((x >>> 16) & 255) + ((y >>> 16) & 255)) << 16)
    | (sat(((x >>> 8) & 255) + ((y >>> 8) & 255)) << 8) | sat((x & 255) + (y & 255))) >>> 0;
}

/** x*a + y per channel, saturated (UN8x4_MUL_UN8_ADD_UN8x4). */
export function mulAddW(x: number, a: number, y: number): number {
  return ((sat(mul8(x >>> 24, a) + (y >>> 24)) << 24) | (sat(mul8((x >>> 16) & 255, a) + ((y >>> 16) & 255)) << 16)
    | (sat(mul8((x >>> 8) & 255, a) + ((y >>> 8) & 255)) << 8) | sat(mul8(x & 255, a) + (y & 255))) >>> 0;
}

/** x*a + y*b per channel, saturated. */
function mulAddMulW(x: number, a: number, y: number, b: number): number {
  return ((sat(mul8(x >>> 24, a) + mul8(y >>> 24, b)) << 24)
    | (sat(mul8((x >>> 16) & 255, a) + mul8((y >>> 16) & 255, b)) << 16)
    | (sat(mul8((x >>> 8) & 255, a) + mul8((y >>> 8) & 255, b)) << 8)
    | sat(mul8(x & 255, a) + mul8(y & 255, b))) >>> 0;
}

/** x*a (channel-wise) + y per channel, saturated. */
function mulWAddW(x: number, a: number, y: number): number {
  return ((sat(mul8(x >>> 24, a >>> 24) + (y >>> 24)) << 24)
    | (sat(mul8((x >>> 16) & 255, (a >>> 16) & 255) + ((y >>> 16) & 255)) << 16)
    | (sat(mul8((x >>> 8) & 255, (a >>> 8) & 255) + ((y >>> 8) & 255)) << 8)
    | sat(mul8(x & 255, a & 255) + (y & 255))) >>> 0;
}

/** x*a (channel-wise) + y*b per channel, saturated. */
function mulWAddMulW(x: number, a: number, y: number, b: number): number {
  return ((sat(mul8(x >>> 24, a >>> 24) + mul8(y >>> 24, b)) << 24)
    | (sat(mul8((x >>> 16) & 255, (a >>> 16) & 255) + mul8((y >>> 16) & 255, b)) << 16)
    | (sat(mul8((x >>> 8) & 255, (a >>> 8) & 255) + mul8((y >>> 8) & 255, b)) << 8)
    | sat(mul8(x & 255, a & 255) + mul8(y & 255, b))) >>> 0;
}

const rep = (a: number): number => ((a << 24) | (a << 16) | (a << 8) | a) >>> 0;

// Component-alpha mask helpers. They return the new source and store the new mask in MASK_OUT.
let maskOut = 0;
function maskCa(s: number, m: number): number {
  if (m === 0) { maskOut = 0; return 0; }
  if (m === 0xffffffff) { maskOut = rep(A(s)); return s; }
  maskOut = mulW(m, A(s));
  return mulWW(s, m);
}
function maskValueCa(s: number, m: number): number {
  if (m === 0) return 0;
  if (m === 0xffffffff) return s;
  return mulWW(s, m);
}
function maskAlphaCa(s: number, m: number): number {
  if (m === 0) return 0;
  const x = A(s);
  if (x === 255) return m;
  if (m === 0xffffffff) return rep(x);
  return mulW(m, x);
}

function blendSep(op: number, d: number, ad: number, s: number, as: number): number {
  switch (op) {
    case PixOp.SCREEN: return s * ad + d * as - s * d;
    case PixOp.OVERLAY: return 2 * d < ad ? 2 * s * d : as * ad - 2 * (ad - d) * (as - s);
    case PixOp.DARKEN: { const x = ad * s, y = as * d; return x > y ? y : x; }
    case PixOp.LIGHTEN: { const x = ad * s, y = as * d; return x > y ? x : y; }
    case PixOp.HARD_LIGHT: return 2 * s < as ? 2 * s * d : as * ad - 2 * (ad - d) * (as - s);
    case PixOp.DIFFERENCE: { const das = d * as, sad = s * ad; return sad < das ? das - sad : sad - das; }
    default: /* EXCLUSION */ return s * ad + d * as - 2 * d * s;
  }
}

/** DIV_ONE_UN8 after pixman's unsigned clamp (a negative sum wraps and clamps to 255*255). */
function div255c(v: number): number {
  if (v < 0 || v > 65025) v = 65025;
  return (v + 0x80 + ((v + 0x80) >> 8)) >> 8;
}

function pdfSep(op: number, s: number, d: number, sa: number, ma: number, mr: number, mg: number, mb: number): number {
  // s: source after masking; sa: its alpha; ma..mb: per-channel "source alpha" (sa for unified).
  const da = A(d), ida = 255 - da;
  const dr = (d >>> 16) & 255, dg = (d >>> 8) & 255, db = d & 255;
  const sr = (s >>> 16) & 255, sg = (s >>> 8) & 255, sb = s & 255;
  const ra = da * 255 + sa * 255 - sa * da;
  const rr = (255 - mr) * dr + ida * sr + blendSep(op, dr, da, sr, mr);
  const rg = (255 - mg) * dg + ida * sg + blendSep(op, dg, da, sg, mg);
  const rb = (255 - mb) * db + ida * sb + blendSep(op, db, da, sb, mb);
  void ma;
  return ((div255c(ra) << 24) | (div255c(rr) << 16) | (div255c(rg) << 8) | div255c(rb)) >>> 0;
}

/**
 * One pixel of an 8-bit operator: d = op(s, m, d). `m` is the mask word
 * (a8r8g8b8; only its alpha counts unless `ca`) or -1 for no mask.
 */
export function combine8(op: number, ca: boolean, s: number, m: number, d: number): number {
  if (ca && m >= 0) return combineCa(op, s, m >>> 0, d);
  if (m >= 0) {
    const ma = m >>> 24;
    s = ma === 0 ? 0 : mulW(s, ma);
  }
  switch (op) {
    case PixOp.CLEAR: return 0;
    case PixOp.SRC: return s;
    case PixOp.DST: return d;
    case PixOp.OVER: { const a = A(s); return a === 255 ? s : s === 0 ? d : mulAddW(d, 255 - a, s); }
    case PixOp.OVER_REVERSE: return mulAddW(s, 255 - A(d), d);
    case PixOp.IN: return mulW(s, A(d));
    case PixOp.IN_REVERSE: return mulW(d, A(s));
    case PixOp.OUT: return mulW(s, 255 - A(d));
    case PixOp.OUT_REVERSE: return mulW(d, 255 - A(s));
    case PixOp.ATOP: return mulAddMulW(s, A(d), d, 255 - A(s));
    case PixOp.ATOP_REVERSE: return mulAddMulW(s, 255 - A(d), d, A(s));
    case PixOp.XOR: return mulAddMulW(s, 255 - A(d), d, 255 - A(s));
    case PixOp.ADD: return addW(d, s);
    case PixOp.MULTIPLY: {
      const ss = mulAddMulW(s, 255 - A(d), d, 255 - A(s));
      return addW(mulWW(d, s), ss);
    }
    default: { const sa = A(s); return pdfSep(op, s, d, sa, sa, sa, sa, sa); }
  }
}

function combineCa(op: number, s: number, m: number, d: number): number {
  switch (op) {
    case PixOp.CLEAR: return 0;
    case PixOp.SRC: return maskValueCa(s, m);
    case PixOp.DST: return d;
    case PixOp.OVER: {
      const s2 = maskCa(s, m), a = ~maskOut >>> 0;
      return a ? mulWAddW(d, a, s2) : s2;
    }
    case PixOp.OVER_REVERSE: {
      const a = 255 - A(d);
      return a ? mulAddW(mulWW(s, m), a, d) : d;
    }
    case PixOp.IN: {
      const a = A(d);
      if (!a) return 0;
      const s2 = maskValueCa(s, m);
      return a !== 255 ? mulW(s2, a) : s2;
    }
    case PixOp.IN_REVERSE: {
      const a = maskAlphaCa(s, m);
      return a !== 0xffffffff ? (a ? mulWW(d, a) : 0) : d;
    }
    case PixOp.OUT: {
      const a = 255 - A(d);
      if (!a) return 0;
      const s2 = maskValueCa(s, m);
      return a !== 255 ? mulW(s2, a) : s2;
    }
    case PixOp.OUT_REVERSE: {
      const a = ~maskAlphaCa(s, m) >>> 0;
      return a !== 0xffffffff ? (a ? mulWW(d, a) : 0) : d;
    }
    case PixOp.ATOP: { const as = A(d); const s2 = maskCa(s, m); return mulWAddMulW(d, ~maskOut >>> 0, s2, as); }
    case PixOp.ATOP_REVERSE: { const as = 255 - A(d); const s2 = maskCa(s, m); return mulWAddMulW(d, maskOut, s2, as); }
    case PixOp.XOR: { const as = 255 - A(d); const s2 = maskCa(s, m); return mulWAddMulW(d, ~maskOut >>> 0, s2, as); }
    case PixOp.ADD: return addW(d, maskValueCa(s, m));
    case PixOp.MULTIPLY: {
      const s2 = maskCa(s, m);
      const r = mulWAddMulW(d, ~maskOut >>> 0, s2, 255 - A(d));
      return addW(r, mulWW(d, s2));
    }
    default: {
      const s2 = maskCa(s, m), mm = maskOut;
      return pdfSepCa(op, s2, d, mm);
    }
  }
}

function pdfSepCa(op: number, s: number, d: number, m: number): number {
  const da = A(d), ida = 255 - da, sa = A(s);
  const mr = (m >>> 16) & 255, mg = (m >>> 8) & 255, mb = m & 255;
  const dr = (d >>> 16) & 255, dg = (d >>> 8) & 255, db = d & 255;
  const sr = (s >>> 16) & 255, sg = (s >>> 8) & 255, sb = s & 255;
  const ra = da * 255 + sa * 255 - sa * da;
  const rr = (255 - mr) * dr + ida * sr + blendSep(op, dr, da, sr, mr);
  const rg = (255 - mg) * dg + ida * sg + blendSep(op, dg, da, sg, mg);
  const rb = (255 - mb) * db + ida * sb + blendSep(op, db, da, sb, mb);
  return ((div255c(ra) << 24) | (div255c(rr) << 16) | (div255c(rg) << 8) | div255c(rb)) >>> 0;
}
