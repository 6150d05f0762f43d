/**
 * Dashed zero-width polylines, as the reference canvas draws them.
 *
 * spice-common has no thin dashed-line rasterizer: it draws a dashed
 * zero-width stroke as a dashed *one-pixel-wide* line (X11 "mi" wide-line
 * code, on/off dashes, butt ends, miter joins). Each "on" dash becomes a
 * 1-pixel-wide rectangle along the segment, filled with the polygon rules of
 * stroke-poly.ts; the dash phase runs on across the segments of one polyline
 * and restarts for the next polyline. Gaps are not drawn at all, so every
 * pixel is a foreground pixel.
 *
 * Where two segments meet inside a dash, a miter join fills the notch. The
 * reference treats joins differently depending on the ROP: for ROPs that give
 * a different result when a pixel is painted twice (XOR and friends) with 3
 * or more points, it collects all pieces and paints their union once, with
 * full miter joins; otherwise it paints each piece as it goes and skips joins
 * where one of the two segments already covers the joining pixel.
 */
import { PolyShape, fillPolygon, SpanSet } from './stroke-poly.js';
import type { RowSink } from './stroke-thin.js';

/** Everything about the dash pattern and budget that stays fixed for one stroke. */
export interface DashStyle {
  /** Dash lengths in pixels (0-255): even indices are drawn, odd ones are gaps. */
  dash: Uint8Array;
  /** Distance into the pattern where each polyline starts. */
  offset: number;
  /** Pieces are merged and joins always filled (see the file comment). */
  careful: boolean;
  /** Dash steps walked one by one before long off-canvas stretches are jumped over. */
  stepBudget: number;
}

/** One end of a segment: where it is, which way the segment leaves it, its half-width offset. */
class Face {
  x = 0;
  y = 0;
  dx = 0;
  dy = 0;
  xa = 0;
  ya = 0;
  k = 0;

  copyFrom(f: Face): void {
    this.x = f.x; this.y = f.y; this.dx = f.dx; this.dy = f.dy;
    this.xa = f.xa; this.ya = f.ya; this.k = f.k;
  }
}

/**
 * X11's miter limit: a miter whose squared length (in half line widths)
 * exceeds 1/sin^2(11 deg / 2) becomes a bevel. The reference compares with
 * that value rounded to 15 significant digits, which is not the double
 * nearest the exact value, so the rounded number is used here too.
 */
const MITER_LIMIT_SQ = 108.856472512142;

// vertex/slope slots of a dash rectangle
const TOP = 0, RIGHT = 1, BOTTOM = 2, LEFT = 3;

/** Draws dashed polylines; one instance per stroke (holds the work buffers and the step budget). */
export class DashedPolylineDrawer {
  private readonly shape = new PolyShape();
  private readonly leftFace = new Face();
  private readonly rightFace = new Face();
  private readonly prevRightFace = new Face();
  private readonly firstFace = new Face();
  private readonly set: SpanSet;
  /** Current pattern position, carried from segment to segment. */
  private dashIndex = 0;
  private dashOffset = 0;
  private steps = 0;
  /** True while the pieces of a polyline go to `set` rather than straight out. */
  private grouping = false;
  private readonly direct: (y: number, x: number, w: number) => void;
  private readonly grouped: (y: number, x: number, w: number) => void;

  constructor(
    private readonly style: DashStyle,
    private readonly width: number,
    private readonly height: number,
    private readonly sink: RowSink,
  ) {
    this.set = new SpanSet(width, height);
    this.direct = (y, x, w) => {
      if (y < 0 || y >= this.height) return;
      const x0 = x < 0 ? 0 : x;
      const x1 = Math.min(x + w, this.width);
      if (x0 < x1) this.sink(y, x0, x1);
    };
    this.grouped = (y, x, w) => this.set.add(y, x, w);
  }

  /** Draws the polyline (xs[i], ys[i]), i < n, clipped to the canvas. */
  draw(xs: Int32Array, ys: Int32Array, n: number): void {
    if (n === 0) return;
    this.grouping = n >= 3 && this.style.careful;
    const selfJoin = xs[0] === xs[n - 1] && ys[0] === ys[n - 1];
    this.dashIndex = 0;
    this.dashOffset = 0;
    this.advance(this.style.offset);
    let first = true;
    let somethingDrawn = false;
    let endIsFg = false;
    let firstIsFg = false;
    let prevIsFg = false;
    for (let i = 1; i < n; i++) {
      const x1 = xs[i - 1]!, y1 = ys[i - 1]!, x2 = xs[i]!, y2 = ys[i]!;
      if (x1 !== x2 || y1 !== y2) {
        somethingDrawn = true;
        const startIndex = this.dashIndex;
        this.segment(x1, y1, x2, y2);
        const startIsFg = (startIndex & 1) === 0;
        // at the end point: inside dash `dashIndex`, or exactly where the previous one ended
        endIsFg = ((this.dashIndex & 1) ^ (this.dashOffset !== 0 ? 1 : 0)) !== 0;
        if (startIsFg) {
          if (first || !prevIsFg) {
            if (first && selfJoin) {
              this.firstFace.copyFrom(this.leftFace);
              firstIsFg = true;
            }
          } else {
            this.join(this.leftFace, this.prevRightFace);
          }
        }
        this.prevRightFace.copyFrom(this.rightFace);
        prevIsFg = endIsFg;
        first = false;
      }
      if (i === n - 1 && somethingDrawn && endIsFg && selfJoin && firstIsFg) {
        this.join(this.firstFace, this.rightFace);
      }
    }
    if (this.grouping) this.set.flush(this.sink);
  }

  /** Moves the pattern position `dist` pixels on (from the current index/offset). */
  private advance(dist: number): void {
    const dash = this.style.dash;
    const n = dash.length;
    let index = this.dashIndex;
    if (dist < dash[index]! - this.dashOffset) {
      this.dashOffset += dist;
      return;
    }
    dist -= dash[index]! - this.dashOffset;
    if (++index === n) index = 0;
    let total = 0;
    for (let i = 0; i < n; i++) total += dash[i]!;
    if (total > 0 && total <= dist) dist %= total;
    // the caller guarantees a non-zero dash, so this ends
    while (dist >= dash[index]!) {
      dist -= dash[index]!;
      if (++index === n) index = 0;
    }
    this.dashIndex = index;
    this.dashOffset = dist;
  }

  private fill(xi: number, yi: number): void {
    fillPolygon(this.shape, xi, yi, this.grouping ? this.grouped : this.direct);
  }

  /**
   * Draws the "on" dashes of one segment, advances the pattern position and
   * sets leftFace/rightFace for the joins.
   */
  private segment(x1: number, y1: number, x2: number, y2: number): void {
    const { dash, stepBudget } = this.style;
    const nDash = dash.length;
    const p = this.shape;
    const { vx, vy } = p;
    const dx = (x2 - x1) | 0;
    const dy = (y2 - y1) | 0;
    let index = this.dashIndex;
    let remain = dash[index]! - this.dashOffset;

    // half-width offsets across the line (width 1)
    const half = 0.5;
    let L: number, rdx: number, rdy: number;
    if (dx === 0) {
      L = dy < 0 ? -dy : dy;
      rdx = 0;
      rdy = dy < 0 ? -half : half;
    } else if (dy === 0) {
      L = dx < 0 ? -dx : dx;
      rdx = dx < 0 ? -half : half;
      rdy = 0;
    } else {
      L = lineLength(dx, dy);
      const r = half / L;
      rdx = r * dx;
      rdy = r * dy;
    }
    const k = half * L;
    let LRemain = L;

    // The dash rectangle: TOP edge runs along the line on one side, RIGHT
    // closes it at the far end, BOTTOM runs back on the other side, LEFT
    // closes it at the near end; vertices are relative to (x1, y1).
    p.count = 4;
    p.setSlope(TOP, dx, dy, k);
    p.setSlope(RIGHT, -dy | 0, dx, 0);
    p.setSlope(BOTTOM, -dx | 0, -dy | 0, k);
    p.setSlope(LEFT, dy, -dx | 0, 0);
    p.setVertex(TOP, rdy, -rdx);
    p.setVertex(RIGHT, rdy, -rdx);
    p.setVertex(BOTTOM, -rdy, rdx);
    p.setVertex(LEFT, -rdy, rdx);

    // Which stretch of the segment (distance from x1,y1) can reach the canvas.
    const [sLo, sHi] = visibleRange(x1, y1, dx, dy, L, this.width, this.height);
    let travelled = 0; // whole pixels of dashes consumed so far (exact)
    let period = 0;
    for (let i = 0; i < nDash; i++) period += dash[i]!;

    while (LRemain > remain) {
      if (travelled > sHi) {
        // Nothing more of this segment is visible: only the pattern position matters.
        ({ LRemain, index, remain } = skipDashes(dash, period, LRemain, index, remain));
        break;
      }
      if (this.steps >= stepBudget && remain === dash[index] && travelled + 2 * period < sLo) {
        // Far before the visible part and out of budget: jump whole periods.
        // (Exact for the pattern position; the reference accumulates the
        // rectangle corners dash by dash, so rounding can differ slightly.)
        let m = Math.floor((sLo - travelled) / period) - 1;
        const mMax = Math.ceil(LRemain / period) - 1;
        if (m > mMax) m = mMax;
        if (m > 0) {
          const dist = m * period;
          const ddx = (dist * dx) / L;
          const ddy = (dist * dy) / L;
          vx[RIGHT] = vx[RIGHT]! + ddx; vy[RIGHT] = vy[RIGHT]! + ddy;
          vx[BOTTOM] = vx[BOTTOM]! + ddx; vy[BOTTOM] = vy[BOTTOM]! + ddy;
          vx[TOP] = vx[RIGHT]!; vy[TOP] = vy[RIGHT]!;
          vx[LEFT] = vx[BOTTOM]!; vy[LEFT] = vy[BOTTOM]!;
          p.sk[LEFT] = -(vx[RIGHT]! * dx + vy[RIGHT]! * dy);
          LRemain -= dist;
          travelled += dist;
          continue;
        }
      }
      this.steps++;
      const ddx = Math.imul(remain, dx) / L;
      const ddy = Math.imul(remain, dy) / L;
      vx[RIGHT] = vx[RIGHT]! + ddx; vy[RIGHT] = vy[RIGHT]! + ddy;
      vx[BOTTOM] = vx[BOTTOM]! + ddx; vy[BOTTOM] = vy[BOTTOM]! + ddy;
      p.sk[RIGHT] = vx[RIGHT]! * dx + vy[RIGHT]! * dy;
      if ((index & 1) === 0 && travelled + remain >= sLo && travelled <= sHi) this.fill(x1, y1);
      LRemain -= remain;
      travelled += remain;
      if (++index === nDash) index = 0;
      remain = dash[index]!;
      vx[TOP] = vx[RIGHT]!; vy[TOP] = vy[RIGHT]!;
      vx[LEFT] = vx[BOTTOM]!; vy[LEFT] = vy[BOTTOM]!;
      p.sk[LEFT] = -p.sk[RIGHT]!;
    }

    if ((index & 1) === 0 && travelled <= sHi && L >= sLo) {
      // the last, partial dash ends at (x2, y2): re-anchor the rectangle there
      vx[TOP] = vx[TOP]! - dx; vy[TOP] = vy[TOP]! - dy;
      vx[LEFT] = vx[LEFT]! - dx; vy[LEFT] = vy[LEFT]! - dy;
      p.setVertex(RIGHT, rdy, -rdx);
      p.setVertex(BOTTOM, -rdy, rdx);
      p.sk[RIGHT] = 0;
      p.sk[LEFT] = p.sk[LEFT]! + ((Math.imul(dx, dx) + Math.imul(dy, dy)) | 0);
      this.fill(x2, y2);
    }
    remain = truncInt(remain - LRemain);
    if (remain === 0) {
      if (++index === nDash) index = 0;
      remain = dash[index]!;
    }

    const lf = this.leftFace;
    lf.x = x1; lf.y = y1; lf.dx = dx; lf.dy = dy; lf.xa = rdy; lf.ya = -rdx; lf.k = k;
    const rf = this.rightFace;
    rf.x = x2; rf.y = y2; rf.dx = -dx | 0; rf.dy = -dy | 0; rf.xa = -rdy; rf.ya = rdx; rf.k = k;

    this.dashIndex = index;
    this.dashOffset = dash[index]! - remain;
  }

  /**
   * Fills the notch between two segments meeting at a point (pLeft leaves
   * it, pRight arrives at it) with a miter, or a bevel past the miter limit.
   * Modifies the faces, as the reference does.
   */
  private join(pLeft: Face, pRight: Face): void {
    if (!this.grouping) {
      // a segment heading right (or straight down) already covers the corner pixel
      if (pLeft.dx > 0 || (pLeft.dx === 0 && pLeft.dy > 0)) return;
      if (pRight.dx > 0 || (pRight.dx === 0 && pRight.dy > 0)) return;
    }
    const denom = (-pLeft.dx | 0) * pRight.dy + pRight.dx * pLeft.dy;
    if (denom === 0) return; // parallel: nothing to fill
    let swapslopes = false;
    if (denom > 0) {
      pLeft.xa = -pLeft.xa; pLeft.ya = -pLeft.ya;
      pLeft.dx = -pLeft.dx | 0; pLeft.dy = -pLeft.dy | 0;
    } else {
      swapslopes = true;
      pRight.xa = -pRight.xa; pRight.ya = -pRight.ya;
      pRight.dx = -pRight.dx | 0; pRight.dy = -pRight.dy | 0;
    }
    const p = this.shape;
    p.setVertex(0, pRight.xa, pRight.ya);
    p.setSlope(0, -pRight.dy | 0, pRight.dx, 0);
    p.setVertex(1, 0, 0);
    p.setSlope(1, pLeft.dy, -pLeft.dx | 0, 0);
    p.setVertex(2, pLeft.xa, pLeft.ya);

    // intersection of the two outer edges
    const my = (pLeft.dy * (pRight.xa * pRight.dy - pRight.ya * pRight.dx)
      - pRight.dy * (pLeft.xa * pLeft.dy - pLeft.ya * pLeft.dx)) / denom;
    const mx = pLeft.dy !== 0
      ? pLeft.xa + ((my - pLeft.ya) * pLeft.dx) / pLeft.dy
      : pRight.xa + ((my - pRight.ya) * pRight.dx) / pRight.dy;
    if ((mx * mx + my * my) * 4 > MITER_LIMIT_SQ) {
      // bevel: one edge straight across between the two outer corners
      const ddx = pRight.xa - pLeft.xa;
      const ddy = pRight.ya - pLeft.ya;
      const scale = Math.max(Math.abs(ddx), Math.abs(ddy));
      const sdx = truncInt((ddx * 65536) / scale);
      const sdy = truncInt((ddy * 65536) / scale);
      p.setSlope(2, sdx, sdy, ((pLeft.xa + pRight.xa) * sdy - (pLeft.ya + pRight.ya) * sdx) / 2);
      p.count = 3;
    } else {
      const s = swapslopes ? -1 : 1;
      p.setSlope(2, (s * pLeft.dx) | 0, (s * pLeft.dy) | 0, s * pLeft.k);
      p.setVertex(3, mx, my);
      p.setSlope(3, (s * pRight.dx) | 0, (s * pRight.dy) | 0, s * pRight.k);
      p.count = 4;
    }
    fillPolygon(p, pLeft.x, pLeft.y, this.grouping ? this.grouped : this.direct);
    p.count = 4;
  }
}

/** (int)x with the reference's truncation. */
function truncInt(x: number): number {
  return x > -2147483649 && x < 2147483648 ? Math.trunc(x) | 0 : -2147483648;
}

/** Euclidean length of an integer vector, correctly rounded like C's hypot. */
function lineLength(dx: number, dy: number): number {
  const sq = dx * dx + dy * dy;
  // exact below 2^53, where sqrt of the exact sum is the correctly rounded length
  return sq < 9007199254740992 ? Math.sqrt(sq) : Math.hypot(dx, dy);
}

/**
 * Distances along the segment (from its start) between which its 1-pixel
 * rectangle can touch the canvas, with a margin; [Infinity, -Infinity] if never.
 */
function visibleRange(
  x1: number, y1: number, dx: number, dy: number, L: number, width: number, height: number,
): [number, number] {
  const margin = 3;
  let lo = -margin;
  let hi = L + margin;
  const slab = (p: number, d: number, max: number): void => {
    if (d === 0) {
      if (p < -margin || p > max + margin) {
        lo = Infinity;
        hi = -Infinity;
      }
      return;
    }
    let a = ((-margin - p) * L) / d;
    let b = ((max + margin - p) * L) / d;
    if (a > b) [a, b] = [b, a];
    if (a - margin > lo) lo = a - margin;
    if (b + margin < hi) hi = b + margin;
  };
  slab(x1, dx, width);
  slab(y1, dy, height);
  if (lo > hi) return [Infinity, -Infinity];
  return [lo, hi];
}

/**
 * Runs the dash loop to the end of the segment without drawing: whole
 * periods at once, then dash by dash. LRemain stays exact (it only loses
 * integers), so the resulting position is the reference's.
 */
function skipDashes(
  dash: Uint8Array, period: number, LRemain: number, index: number, remain: number,
): { LRemain: number; index: number; remain: number } {
  const n = dash.length;
  if (remain !== dash[index]) {
    // finish the partly used dash first, so whole periods start at a dash boundary
    if (!(LRemain > remain)) return { LRemain, index, remain };
    LRemain -= remain;
    if (++index === n) index = 0;
    remain = dash[index]!;
  }
  // the loop's checks for m whole periods all pass iff LRemain - m * period > 0
  const m = Math.ceil(LRemain / period) - 1;
  if (m > 0) LRemain -= m * period;
  while (LRemain > remain) {
    LRemain -= remain;
    if (++index === n) index = 0;
    remain = dash[index]!;
  }
  return { LRemain, index, remain };
}
