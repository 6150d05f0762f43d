/**
 * Stroke rasterization (DRAW_STROKE): turns a SPICE path and line attributes
 * into horizontal pixel spans, the way the reference canvas (spice-common
 * canvas_base.c + lines.c) draws them.
 *
 * What the reference does, and so what this does:
 * - Path points are 28.4 fixed point, rounded to whole pixels with halves
 *   going down (x.5 -> x, x.5625 -> x+1).
 * - A segment with BEGIN starts a new polyline (drawing the previous one);
 *   END draws the current polyline, after appending its first point when
 *   CLOSE is set. Each polyline is drawn on its own: dash phase restarts and
 *   pixels shared by two polylines are painted twice.
 * - BEZIER segments hold groups of 3 points (two controls and an end point);
 *   each cubic starts at the current (already rounded) point and is split in
 *   halves until both controls are within about 0.7 px of the chord.
 * - Strokes are always zero-width, whatever the attributes say: solid lines
 *   with X11 thin-line rules (stroke-thin.ts), STYLED lines as on/off dashed
 *   1-pixel-wide lines (stroke-dash.ts). The style is a list of 28.4 lengths,
 *   rounded like points and then kept modulo 256; START_WITH_GAP makes the
 *   first length a gap.
 * - Gaps are never drawn, so `foreground` is always true and the stroke's
 *   back_mode has no effect (the reference ignores it too).
 */
import type { Infer } from '../protocol/wire/types.js';
import type { Path, LineAttr } from '../protocol/schema/structs.js';
import { LineFlags, PathFlags } from '../protocol/enums/index.js';
import { ErrorCode, SpiceError } from '../protocol/errors.js';
import { drawThinPolyline } from './stroke-thin.js';
import { DashedPolylineDrawer } from './stroke-dash.js';

export type StrokePath = Infer<typeof Path>;
export type StrokeAttr = Infer<typeof LineAttr>;

/**
 * Receives one run of pixels [x0, x1) on row y. `foreground` is false for the
 * gaps of a dashed line (drawn with the back brush/mode), true otherwise.
 * (The reference draws on/off dashes, so gaps are never emitted.)
 */
export type SpanSink = (y: number, x0: number, x1: number, foreground: boolean) => void;

export interface StrokeOptions {
  /**
   * The two-operand ROP (X11 GX code, as `Rop` in rop.ts) the fore_mode maps
   * to. For dashed paths of 3+ points the reference paints the union of the
   * dashes once, with full miter joins, when this ROP changes a pixel painted
   * twice (AND_REVERSE, XOR, NOR, EQUIV, INVERT, OR_REVERSE, NAND); other
   * ROPs get pieces painted as they come. Default: COPY.
   */
  foreRop?: number;
  /** Most points a path may flatten to (beziers included). Default 1 Mi. */
  maxPoints?: number;
  /**
   * Dash steps walked one at a time before long stretches of dashed lines
   * far outside the canvas are jumped over in whole pattern periods. Default 1 Mi
   * (about 30 ms); real strokes need a few thousand.
   */
  maxDashSteps?: number;
}

export const DEFAULT_MAX_STROKE_POINTS = 1 << 20;
export const DEFAULT_MAX_DASH_STEPS = 1 << 20;

/** GX codes for which painting a pixel twice differs from painting it once. */
const REPAINT_SENSITIVE = (1 << 0x2) | (1 << 0x6) | (1 << 0x8) | (1 << 0x9) | (1 << 0xa) | (1 << 0xb) | (1 << 0xe);

/** Bezier halving depth past which a piece is taken as flat (only degenerate input gets there). */
const MAX_BEZIER_DEPTH = 48;

/** 28.4 fixed point to pixels, halves rounding down. */
function fixToInt(v: number): number {
  return (v >> 4) + ((v & 15) > 8 ? 1 : 0);
}

/** Emits the spans of `path` stroked with `attr`, clipped to [0,width)x[0,height). */
export function rasterizeStroke(
  path: StrokePath, attr: StrokeAttr, width: number, height: number, emit: SpanSink, options: StrokeOptions = {},
): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new SpiceError(ErrorCode.BAD_ARGUMENT, `bad canvas size ${width}x${height}`);
  }
  const maxPoints = options.maxPoints ?? DEFAULT_MAX_STROKE_POINTS;
  const rop = options.foreRop ?? 0x3;
  const dashStyle = readStyle(attr);
  const polylines = flattenPath(path, maxPoints);
  if (width === 0 || height === 0) return;

  const foreground = (y: number, x0: number, x1: number): void => emit(y, x0, x1, true);
  const dashed = dashStyle
    ? new DashedPolylineDrawer(
      {
        dash: dashStyle.dash,
        offset: dashStyle.offset,
        careful: ((REPAINT_SENSITIVE >> (rop & 15)) & 1) !== 0,
        stepBudget: options.maxDashSteps ?? DEFAULT_MAX_DASH_STEPS,
      },
      width, height, foreground,
    )
    : undefined;
  const { xs, ys, starts } = polylines;
  for (let i = 0; i + 1 < starts.length; i++) {
    const a = starts[i]!;
    const n = starts[i + 1]! - a;
    const px = xs.subarray(a, a + n);
    const py = ys.subarray(a, a + n);
    if (dashed) dashed.draw(px, py, n);
    else drawThinPolyline(px, py, n, width, height, foreground);
  }
}

/** The dash list as the reference builds it, or undefined for a solid line. */
function readStyle(attr: StrokeAttr): { dash: Uint8Array; offset: number } | undefined {
  if (!(attr.flags & LineFlags.STYLED)) return undefined;
  const n = attr.style_nseg ?? 0;
  const style = attr.style;
  if (n === 0 || !style) {
    throw new SpiceError(ErrorCode.CORRUPT_IMAGE, 'DRAW_STROKE: STYLED line without a style');
  }
  if (style.length < n) {
    throw new SpiceError(ErrorCode.INCONSISTENT, `DRAW_STROKE: style has ${style.length} of ${n} lengths`);
  }
  const dash = new Uint8Array(n);
  let offset = 0;
  if (attr.flags & LineFlags.START_WITH_GAP) {
    // rotate the first length (a gap) to the end, then start one dash in
    dash[n - 1] = fixToInt(style[0]! | 0);
    for (let i = 0; i + 1 < n; i++) dash[i] = fixToInt(style[i + 1]! | 0);
    offset = dash[0]!;
  } else {
    for (let i = 0; i < n; i++) dash[i] = fixToInt(style[i]! | 0);
  }
  // (Uint8Array keeps the low 8 bits, as the reference's unsigned char list does.)
  if (dash.every((d) => d === 0)) {
    // the reference loops forever on such a pattern
    throw new SpiceError(ErrorCode.CORRUPT_IMAGE, 'DRAW_STROKE: dash pattern of zero length');
  }
  return { dash, offset };
}

/** Flattened polylines: points xs/ys, polyline i is [starts[i], starts[i+1]). */
interface Polylines {
  xs: Int32Array;
  ys: Int32Array;
  starts: number[];
}

/**
 * Turns the path into pixel polylines, validating it completely first so
 * that a malformed path draws nothing. (The reference stops at a bad BEZIER
 * segment after having drawn the polylines before it, and reads outside the
 * path for a BEGIN without points or a BEZIER without a current point.)
 */
function flattenPath(path: StrokePath, maxPoints: number): Polylines {
  const segs = path.segments;
  if (segs.length !== path.num_segments) {
    throw new SpiceError(ErrorCode.INCONSISTENT, `DRAW_STROKE: path has ${segs.length} of ${path.num_segments} segments`);
  }
  let xs = new Int32Array(64);
  let ys = new Int32Array(64);
  let n = 0; // points stored
  let start = 0; // first point of the current polyline
  const starts: number[] = [];
  const push = (x: number, y: number): void => {
    if (n === xs.length) {
      if (n >= maxPoints) throw new SpiceError(ErrorCode.LIMIT, `DRAW_STROKE: path flattens to more than ${maxPoints} points`);
      const cap = Math.min(n * 2, maxPoints);
      const nx = new Int32Array(cap), ny = new Int32Array(cap);
      nx.set(xs);
      ny.set(ys);
      xs = nx;
      ys = ny;
    }
    xs[n] = x;
    ys[n] = y;
    n++;
  };
  const finish = (): void => {
    if (n > start) {
      starts.push(start);
      start = n;
    }
  };
  const bez = new BezierFlattener(push, maxPoints);

  for (let s = 0; s < segs.length; s++) {
    const seg = segs[s]!;
    const pts = seg.points;
    if (pts.length !== seg.count) {
      throw new SpiceError(ErrorCode.INCONSISTENT, `DRAW_STROKE: segment ${s} has ${pts.length} of ${seg.count} points`);
    }
    let i = 0;
    if (seg.flags & PathFlags.BEGIN) {
      finish();
      if (pts.length === 0) throw new SpiceError(ErrorCode.CORRUPT_IMAGE, `DRAW_STROKE: BEGIN segment ${s} has no point`);
      push(fixToInt(pts[0]!.x | 0), fixToInt(pts[0]!.y | 0));
      i = 1;
    }
    if (seg.flags & PathFlags.BEZIER) {
      if ((pts.length - i) % 3 !== 0) {
        throw new SpiceError(ErrorCode.CORRUPT_IMAGE, `DRAW_STROKE: BEZIER segment ${s} has ${pts.length - i} points, not a multiple of 3`);
      }
      if (pts.length > i && n === start) {
        throw new SpiceError(ErrorCode.CORRUPT_IMAGE, `DRAW_STROKE: BEZIER segment ${s} has no start point`);
      }
      for (; i + 2 < pts.length; i += 3) {
        const c1 = pts[i]!, c2 = pts[i + 1]!, end = pts[i + 2]!;
        bez.curve(xs[n - 1]! << 4, ys[n - 1]! << 4, c1.x | 0, c1.y | 0, c2.x | 0, c2.y | 0, end.x | 0, end.y | 0);
      }
    } else {
      for (; i < pts.length; i++) push(fixToInt(pts[i]!.x | 0), fixToInt(pts[i]!.y | 0));
    }
    if (seg.flags & PathFlags.END) {
      // Closing an empty polyline makes a single point (from stale data in
      // the reference), which draws nothing either way.
      if (seg.flags & PathFlags.CLOSE && n > start) push(xs[start]!, ys[start]!);
      finish();
    }
  }
  finish();
  starts.push(n);
  return { xs, ys, starts };
}

const TWO53 = 9007199254740992;

/**
 * Flattens cubic beziers given in 28.4 fixed point by recursive halving,
 * with the reference's flatness test and integer rounding. The recursion
 * runs on an explicit stack, first half first.
 */
class BezierFlattener {
  /** Pending curves, 8 ints each, plus their depth. */
  private stack = new Int32Array(8 * (MAX_BEZIER_DEPTH + 2));
  private depth = new Int32Array(MAX_BEZIER_DEPTH + 2);
  private nodes = 0;

  constructor(private readonly push: (x: number, y: number) => void, private readonly maxNodes: number) {}

  curve(x0: number, y0: number, x1: number, y1: number, x2: number, y2: number, x3: number, y3: number): void {
    const st = this.stack;
    let top = 0;
    st.set([x0, y0, x1, y1, x2, y2, x3, y3], 0);
    this.depth[0] = 0;
    top = 1;
    while (top > 0) {
      top--;
      const o = top * 8;
      const ax = st[o]!, ay = st[o + 1]!, bx = st[o + 2]!, by = st[o + 3]!;
      const cx = st[o + 4]!, cy = st[o + 5]!, dx = st[o + 6]!, dy = st[o + 7]!;
      const d = this.depth[top]!;
      if (++this.nodes > 4 * this.maxNodes) {
        throw new SpiceError(ErrorCode.LIMIT, 'DRAW_STROKE: bezier needs too many subdivisions');
      }
      const allSame = ax === bx && bx === cx && cx === dx && ay === by && by === cy && cy === dy;
      if (d >= MAX_BEZIER_DEPTH || allSame || isFlat(ax, ay, bx, by, cx, cy, dx, dy)) {
        // (the reference recurses forever on degenerate curves; they end here)
        this.push(fixToInt(dx), fixToInt(dy));
        continue;
      }
      // de Casteljau at t = 1/2 with C's truncating int halving
      const abx = half(ax, bx), aby = half(ay, by);
      const bcx = half(bx, cx), bcy = half(by, cy);
      const cdx = half(cx, dx), cdy = half(cy, dy);
      const abcx = half(abx, bcx), abcy = half(aby, bcy);
      const bcdx = half(bcx, cdx), bcdy = half(bcy, cdy);
      const mx = half(abcx, bcdx), my = half(abcy, bcdy);
      // second half below the first, so the first is taken next
      st[o] = mx; st[o + 1] = my; st[o + 2] = bcdx; st[o + 3] = bcdy;
      st[o + 4] = cdx; st[o + 5] = cdy; st[o + 6] = dx; st[o + 7] = dy;
      this.depth[top] = d + 1;
      const q = o + 8;
      st[q] = ax; st[q + 1] = ay; st[q + 2] = abx; st[q + 3] = aby;
      st[q + 4] = abcx; st[q + 5] = abcy; st[q + 6] = mx; st[q + 7] = my;
      this.depth[top + 1] = d + 1;
      top += 2;
    }
  }
}

/** (a + b) / 2 in C int arithmetic. */
function half(a: number, b: number): number {
  return (((a + b) | 0) / 2) | 0;
}

/**
 * The reference's flatness test, in 64-bit integer arithmetic: with a = P1-P0,
 * b = P3-P0, c = P2-P3, both |a x b|^2/|b|^2 and |c x b|^2/|b|^2 (squared
 * control-point distances from the chord, via truncated dot products) must be
 * under half a pixel squared.
 */
function isFlat(x0: number, y0: number, x1: number, y1: number, x2: number, y2: number, x3: number, y3: number): boolean {
  const ax = (x1 - x0) | 0, ay = (y1 - y0) | 0;
  const bx = (x3 - x0) | 0, by = (y3 - y0) | 0;
  const cx = (x2 - x3) | 0, cy = (y2 - y3) | 0;
  const ex = (x0 - x3) | 0, ey = (y0 - y3) | 0;
  // fast path while every product stays exact in a double
  const m = Math.max(Math.abs(ax), Math.abs(ay), Math.abs(bx), Math.abs(by), Math.abs(cx), Math.abs(cy));
  if (m < 1 << 25) {
    const A2 = Math.floor((ax * ax + ay * ay) / 16);
    const B2 = Math.floor((bx * bx + by * by) / 16);
    const C2 = Math.floor((cx * cx + cy * cy) / 16);
    const AB = Math.floor((ax * bx + ay * by) / 16);
    const CB = Math.floor((cx * ex + cy * ey) / 16);
    const p1 = A2 * B2, q1 = AB * AB, p2 = C2 * B2, q2 = CB * CB;
    if (p1 < TWO53 && q1 < TWO53 && p2 < TWO53 && q2 < TWO53) {
      const h1 = Math.floor((p1 - q1) / 8);
      const h2 = Math.floor((p2 - q2) / 8);
      return h1 < B2 && h2 < B2;
    }
  }
  const w = (v: bigint): bigint => BigInt.asIntN(64, v);
  const sq = (x: number, y: number): bigint => w(BigInt(x) * BigInt(x) + BigInt(y) * BigInt(y)) >> 4n;
  const dot = (x1_: number, y1_: number, x2_: number, y2_: number): bigint =>
    w(BigInt(x1_) * BigInt(x2_) + BigInt(y1_) * BigInt(y2_)) >> 4n;
  const A2 = sq(ax, ay), B2 = sq(bx, by), C2 = sq(cx, cy);
  const AB = dot(ax, ay, bx, by), CB = dot(cx, cy, ex, ey);
  const h1 = w(w(A2 * B2) - w(AB * AB)) >> 3n;
  const h2 = w(w(C2 * B2) - w(CB * CB)) >> 3n;
  return h1 < B2 && h2 < B2;
}
