/**
 * Small convex polygons for dashed strokes: the reference draws every dash,
 * and every miter join between dashes, as a one-pixel-wide polygon with the
 * X11 "mi" integer edge walker. This file holds that edge walker and a span
 * set that merges overlapping spans (used where the reference must touch each
 * pixel once).
 *
 * The arithmetic mirrors the reference's C types exactly: `int` values wrap
 * at 32 bits (`| 0`, Math.imul), `(int)double` truncates, and doubles are
 * combined in the same order, so the same pixels come out.
 */

/** (int)x as the reference's x86-64 build does it: truncation, INT_MIN when out of range or NaN. */
export function truncToInt(x: number): number {
  return x > -2147483649 && x < 2147483648 ? Math.trunc(x) | 0 : -2147483648;
}

/** Smallest integer >= x, computed the way the mi code does (through a truncating cast). */
export function ceilToInt(x: number): number {
  const t = truncToInt(x);
  return x === t || x < 0 ? t : (t + 1) | 0;
}

/** C integer division (truncates toward zero) of 32-bit values; d is never 0 here. */
function idiv(n: number, d: number): number {
  return (n / d) | 0;
}

/** Receives the spans of one filled polygon: row y, pixels [x, x + w). */
export type PolySpanSink = (y: number, x: number, w: number) => void;

/** Up to four vertices (relative to an integer origin) and the slope of the edge leaving each. */
export class PolyShape {
  readonly vx = new Float64Array(4);
  readonly vy = new Float64Array(4);
  /** Edge direction (integers) and its line constant k = x*dy - y*dx for a point on it. */
  readonly sdx = new Int32Array(4);
  readonly sdy = new Int32Array(4);
  readonly sk = new Float64Array(4);
  count = 4;

  setVertex(i: number, x: number, y: number): void {
    this.vx[i] = x;
    this.vy[i] = y;
  }

  setSlope(i: number, dx: number, dy: number, k: number): void {
    this.sdx[i] = dx;
    this.sdy[i] = dy;
    this.sk[i] = k;
  }
}

/** One polygon edge prepared for the incremental walk. */
class EdgeList {
  readonly height = new Int32Array(4);
  readonly x = new Int32Array(4);
  readonly stepx = new Int32Array(4);
  readonly signdx = new Int32Array(4);
  readonly e = new Int32Array(4);
  readonly dy = new Int32Array(4);
  readonly dx = new Int32Array(4);
  n = 0;

  /**
   * Adds the edge through (x0 unused, y0) with line constant k and direction
   * (dx, dy); returns its first scanline (origin-relative coordinates shifted
   * by xi, yi). `left` moves left edges one pixel right, so that a span runs
   * from the first pixel inside the left edge to the last inside the right one.
   */
  add(y0: number, k: number, dx: number, dy: number, xi: number, yi: number, left: number): number {
    if (dy < 0) {
      dy = -dy | 0;
      dx = -dx | 0;
      k = -k;
    }
    const y = ceilToInt(y0);
    const xady = (ceilToInt(k) + Math.imul(y, dx)) | 0;
    // first x on the edge at or right of the exact crossing, rounding toward -infinity
    const x = xady <= 0 ? (-idiv((-xady) | 0, dy) - 1) | 0 : idiv((xady - 1) | 0, dy);
    let e = (xady - Math.imul(x, dy)) | 0;
    const i = this.n++;
    if (dx >= 0) {
      this.signdx[i] = 1;
      this.stepx[i] = idiv(dx, dy);
      this.dx[i] = dx % dy;
    } else {
      this.signdx[i] = -1;
      const ndx = -dx | 0;
      this.stepx[i] = -idiv(ndx, dy) | 0;
      this.dx[i] = ndx % dy;
      e = (dy - e + 1) | 0;
    }
    this.dy[i] = dy;
    this.x[i] = (x + left + xi) | 0;
    this.e[i] = (e - dy) | 0;
    return (y + yi) | 0;
  }
}

const leftEdges = new EdgeList();
const MAX_POLY_ROWS = 1 << 16;
const rightEdges = new EdgeList();

/** Next index around a polygon of `n` vertices, stepping by +1 or -1. */
function around(v: number, step: number, n: number): number {
  const w = v + step;
  return w < 0 ? n - 1 : w === n ? 0 : w;
}

/**
 * Rasterizes a convex polygon whose vertices are relative to the integer
 * point (xi, yi), passing its spans (rows from top to bottom) to `sink`.
 */
export function fillPolygon(p: PolyShape, xi: number, yi: number, sink: PolySpanSink): void {
  const n = p.count;
  const { vy, sdx, sdy, sk } = p;
  // topmost vertex (first of equals) and bottommost (last of equals)
  let top = 0;
  let bottom = 0;
  let miny = vy[0]!;
  let maxy = vy[0]!;
  for (let i = 1; i < n; i++) {
    if (vy[i]! < miny) {
      top = i;
      miny = vy[i]!;
    }
    if (vy[i]! >= maxy) {
      bottom = i;
      maxy = vy[i]!;
    }
  }
  // walk direction: which way around from the top is the right-hand chain
  let clockwise = 1;
  let slopeoff = 0;
  const prev = around(top, -1, n);
  if (Math.imul(sdy[prev]!, sdx[top]!) > Math.imul(sdy[top]!, sdx[prev]!)) {
    clockwise = -1;
    slopeoff = -1;
  }
  const bottomy = (ceilToInt(maxy) + yi) | 0;

  rightEdges.n = 0;
  let topy = 0;
  let lasty = 0;
  let s = around(top, slopeoff, n);
  for (let i = top; i !== bottom; i = around(i, clockwise, n), s = around(s, clockwise, n)) {
    if (sdy[s] === 0) continue;
    const y = rightEdges.add(vy[i]!, sk[s]!, sdx[s]!, sdy[s]!, xi, yi, 0);
    if (rightEdges.n > 1) rightEdges.height[rightEdges.n - 2] = (y - lasty) | 0;
    else topy = y;
    lasty = y;
  }
  if (rightEdges.n > 0) rightEdges.height[rightEdges.n - 1] = (bottomy - lasty) | 0;

  leftEdges.n = 0;
  s = around(top, slopeoff === 0 ? -1 : 0, n);
  for (let i = top; i !== bottom; i = around(i, -clockwise, n), s = around(s, -clockwise, n)) {
    if (sdy[s] === 0) continue;
    const y = leftEdges.add(vy[i]!, sk[s]!, sdx[s]!, sdy[s]!, xi, yi, 1);
    if (leftEdges.n > 1) leftEdges.height[leftEdges.n - 2] = (y - lasty) | 0;
    lasty = y;
  }
  if (leftEdges.n > 0) leftEdges.height[leftEdges.n - 1] = (bottomy - lasty) | 0;

  // Real pieces are at most a dash (255 px) tall; anything taller comes from
  // coordinates so large that the reference's int arithmetic overflowed.
  if (bottomy - topy > MAX_POLY_ROWS) return;
  walkEdges(topy, sink);
}

/** Walks the left and right edge chains down from row `y`, emitting one span per row where they don't cross. */
function walkEdges(y: number, sink: PolySpanSink): void {
  const L = leftEdges;
  const R = rightEdges;
  let li = 0;
  let ri = 0;
  let lh = 0, lx = 0, lstep = 0, lsign = 0, le = 0, ldy = 0, ldx = 0;
  let rh = 0, rx = 0, rstep = 0, rsign = 0, re = 0, rdy = 0, rdx = 0;
  while ((li < L.n || lh !== 0) && (ri < R.n || rh !== 0)) {
    if (lh === 0 && li < L.n) {
      lh = L.height[li]!; lx = L.x[li]!; lstep = L.stepx[li]!; lsign = L.signdx[li]!;
      le = L.e[li]!; ldy = L.dy[li]!; ldx = L.dx[li]!;
      li++;
    }
    if (rh === 0 && ri < R.n) {
      rh = R.height[ri]!; rx = R.x[ri]!; rstep = R.stepx[ri]!; rsign = R.signdx[ri]!;
      re = R.e[ri]!; rdy = R.dy[ri]!; rdx = R.dx[ri]!;
      ri++;
    }
    let h = lh < rh ? lh : rh;
    lh = (lh - h) | 0;
    rh = (rh - h) | 0;
    while (--h >= 0) {
      if (rx >= lx) sink(y, lx, (rx - lx + 1) | 0);
      y = (y + 1) | 0;
      lx = (lx + lstep) | 0;
      le = (le + ldx) | 0;
      if (le > 0) {
        lx = (lx + lsign) | 0;
        le = (le - ldy) | 0;
      }
      rx = (rx + rstep) | 0;
      re = (re + rdx) | 0;
      if (re > 0) {
        rx = (rx + rsign) | 0;
        re = (re - rdy) | 0;
      }
    }
  }
}

/**
 * A set of pixels kept as spans per row of [0, height), merged on output so
 * each pixel is emitted once however many pieces covered it.
 */
export class SpanSet {
  private ys = new Int32Array(64);
  private x0s = new Int32Array(64);
  private x1s = new Int32Array(64);
  private n = 0;

  constructor(private readonly width: number, private readonly height: number) {}

  /** Adds [x, x + w) on row y, clipped to the canvas. */
  add(y: number, x: number, w: number): void {
    if (y < 0 || y >= this.height) return;
    const x0 = x < 0 ? 0 : x;
    const x1 = Math.min(x + w, this.width);
    if (x0 >= x1) return;
    if (this.n === this.ys.length) this.grow();
    this.ys[this.n] = y;
    this.x0s[this.n] = x0;
    this.x1s[this.n] = x1;
    this.n++;
  }

  private grow(): void {
    const cap = this.ys.length * 2;
    const ys = new Int32Array(cap), x0s = new Int32Array(cap), x1s = new Int32Array(cap);
    ys.set(this.ys);
    x0s.set(this.x0s);
    x1s.set(this.x1s);
    this.ys = ys;
    this.x0s = x0s;
    this.x1s = x1s;
  }

  /** Emits the union, row by row, as maximal runs; then empties the set. */
  flush(emit: (y: number, x0: number, x1: number) => void): void {
    const n = this.n;
    if (n === 0) return;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    const { ys, x0s, x1s } = this;
    order.sort((a, b) => (ys[a]! - ys[b]!) || (x0s[a]! - x0s[b]!));
    let cy = ys[order[0]!]!, c0 = x0s[order[0]!]!, c1 = x1s[order[0]!]!;
    for (let k = 1; k < n; k++) {
      const i = order[k]!;
      const y = ys[i]!, a = x0s[i]!, b = x1s[i]!;
      if (y === cy && a <= c1) {
        if (b > c1) c1 = b;
        continue;
      }
      emit(cy, c0, c1);
      cy = y;
      c0 = a;
      c1 = b;
    }
    emit(cy, c0, c1);
    this.n = 0;
  }
}
