/**
 * Solid zero-width polylines, pixel for pixel as the reference canvas draws
 * them (spice-common's copy of the X11 "mi" thin-line code):
 *
 * - Bresenham steps along the major axis (|dx| > |dy| is x-major; equal
 *   deltas count as y-major);
 * - when the error term is exactly zero the minor step is taken or not by the
 *   octant: in octants 2, 3, 4 and 5 (x decreasing, or y decreasing while
 *   y-major) the line keeps the axial step, elsewhere it moves diagonally;
 * - every segment stops one pixel short of its end point ("cap not last"), so
 *   a polyline's joints are drawn once, by the segment that starts there, and
 *   a closed path does not redraw its first pixel; a lone point draws nothing;
 * - lines are clipped to the canvas without changing which pixels they touch
 *   (the clip computes the Bresenham state at the entry point), and a segment
 *   whose end point is clipped is drawn up to the canvas edge.
 *
 * Segments are emitted one after another and a pixel where the polyline
 * crosses itself is emitted again, as the reference paints it twice (which
 * matters for XOR-like ROPs).
 *
 * The reference does this arithmetic in C `int` and `unsigned int`; it is
 * reproduced here with 32-bit wrap-around, so even coordinates far outside
 * the 16-bit range the algorithm was designed for give the same pixels.
 * (With some such lines the reference's clip never finishes, bouncing a
 * point between two edges; here the clip gives up after a few rounds and the
 * segment draws nothing.)
 */

/** Receives a run of pixels [x0, x1) on row y. */
export type RowSink = (y: number, x0: number, x1: number) => void;

const OUT_LEFT = 8;
const OUT_RIGHT = 4;
const OUT_ABOVE = 2;
const OUT_BELOW = 1;

const X_DECREASING = 4;
const Y_DECREASING = 2;
const Y_MAJOR = 1;
/** Octants (as X_DECREASING|Y_DECREASING|Y_MAJOR bit sets) that keep the axial step on a zero error. */
const AXIAL_BIAS = (1 << (Y_DECREASING | Y_MAJOR)) | (1 << (X_DECREASING | Y_DECREASING | Y_MAJOR))
  | (1 << (X_DECREASING | Y_DECREASING)) | (1 << X_DECREASING);

function outcode(x: number, y: number, xmax: number, ymax: number): number {
  let c = 0;
  if (x < 0) c |= OUT_LEFT;
  if (x > xmax) c |= OUT_RIGHT;
  if (y < 0) c |= OUT_ABOVE;
  if (y > ymax) c |= OUT_BELOW;
  return c;
}

/** Result of clipping one segment; reused. */
const clip = { x1: 0, y1: 0, x2: 0, y2: 0, clipped1: 0, clipped2: 0 };

/**
 * Clips the segment to [0, xmax] x [0, ymax], moving each outside end point
 * to the first (or last) pixel the unclipped line would draw inside.
 * Returns false when nothing is left.
 *
 * The new coordinate along the minor axis is solved from the Bresenham error
 * equation, anchored at the nearer end point when it is within 32767 pixels
 * of the edge and at the farther one otherwise (as the reference does, in
 * unsigned 32-bit arithmetic).
 */
function clipSegment(
  x1: number, y1: number, x2: number, y2: number, xmax: number, ymax: number,
  adx: number, ady: number, octant: number, oc1: number, oc2: number,
): boolean {
  let ax1 = x1, ay1 = y1, ax2 = x2, ay2 = y2; // original ends, swapped along with the working ends
  let c1 = 0, c2 = 0;
  let swapped = false;
  const xMajor = (octant & Y_MAJOR) === 0;
  const bias = (AXIAL_BIAS >> octant) & 1;
  // The reference loops until accept/reject; overflowed arithmetic could
  // bounce a point between edges, so the number of rounds is bounded.
  for (let round = 0; round < 8; round++) {
    if ((oc1 & oc2) !== 0) return false;
    if ((oc1 | oc2) === 0) {
      if (swapped) {
        clip.x1 = x2; clip.y1 = y2; clip.x2 = x1; clip.y2 = y1;
        clip.clipped1 = c2; clip.clipped2 = c1;
      } else {
        clip.x1 = x1; clip.y1 = y1; clip.x2 = x2; clip.y2 = y2;
        clip.clipped1 = c1; clip.clipped2 = c2;
      }
      return true;
    }
    // work on an outside point, always called "1"
    if (oc1 === 0) {
      let t = x1; x1 = x2; x2 = t; t = y1; y1 = y2; y2 = t;
      t = ax1; ax1 = ax2; ax2 = t; t = ay1; ay1 = ay2; ay2 = t;
      t = oc1; oc1 = oc2; oc2 = t;
      t = c1; c1 = c2; c2 = t;
      swapped = !swapped;
    }
    c1 |= oc1;
    // Clip at an x edge (solving for y) or at a y edge (solving for x,
    // "alongX"). The anchor is the original end on this side, or the other
    // end when this one is more than 32767 pixels beyond the edge.
    let alongX: boolean;
    let dist: number; // unsigned distance from the anchor to the edge
    let anchor: number;
    let negslope: boolean;
    let farAnchor: boolean;
    // edges are taken in the order left, above, right, below
    const xEdge = (oc1 & OUT_LEFT) !== 0 || ((oc1 & OUT_RIGHT) !== 0 && (oc1 & OUT_ABOVE) === 0);
    if (xEdge) {
      const edge = oc1 & OUT_LEFT ? 0 : xmax;
      const sign = oc1 & OUT_LEFT ? 1 : -1;
      alongX = false;
      negslope = (octant & Y_DECREASING) !== 0;
      dist = (sign * (edge - ax1)) >>> 0;
      farAnchor = dist > 32767;
      if (farAnchor) dist = (sign * (ax2 - edge)) >>> 0;
      anchor = farAnchor ? ay2 : ay1;
      x1 = edge;
    } else {
      const edge = oc1 & OUT_ABOVE ? 0 : ymax;
      const sign = oc1 & OUT_ABOVE ? 1 : -1;
      alongX = true;
      negslope = (octant & X_DECREASING) !== 0;
      dist = (sign * (edge - ay1)) >>> 0;
      farAnchor = dist > 32767;
      if (farAnchor) dist = (sign * (ay2 - edge)) >>> 0;
      anchor = farAnchor ? ax2 : ax1;
      y1 = edge;
    }
    if (farAnchor) negslope = !negslope;
    if (swapped) negslope = !negslope;

    // Steps along the unknown axis for `dist` steps along the clipped one,
    // from the Bresenham error equation: 2*dist*a + b (or - b, then + 1)
    // over 2*c, rounded by the octant bias. When the clipped axis is the
    // major one: a = minor, b = +major, c = major. Otherwise a = b = major,
    // c = minor, and b is subtracted (with the +1) for the near anchor.
    // Whether the bias rounds down or up flips with near/far and with which
    // end of the line is being clipped.
    const majorClipped = alongX ? !xMajor : xMajor;
    const sameSide = farAnchor === swapped;
    const mul = alongX ? adx : ady;
    let u = Math.imul((dist << 1) >>> 0, mul) >>> 0;
    let addOne = false;
    let biasMinusOne: boolean;
    if (majorClipped) {
      u = (u + (alongX ? ady : adx)) >>> 0;
      biasMinusOne = !sameSide;
    } else {
      if (farAnchor) {
        u = (u + mul) >>> 0;
      } else {
        u = (u - mul) >>> 0;
        addOne = true;
      }
      biasMinusOne = sameSide;
    }
    u = biasMinusOne ? (u + bias - 1) >>> 0 : (u - bias) >>> 0;
    const div = ((alongX ? ady : adx) << 1) >>> 0;
    if (div === 0) return false; // the reference would divide by zero here
    u = Math.floor(u / div);
    if (addOne) u = (u + 1) >>> 0;
    if (negslope) u = (-(u | 0)) >>> 0;
    if (alongX) x1 = (anchor + u) | 0;
    else y1 = (anchor + u) | 0;
    oc1 = outcode(x1, y1, xmax, ymax);
  }
  return false;
}

/**
 * Draws the polyline (xs[i], ys[i]), i < n, clipped to [0,width)x[0,height),
 * passing each segment's pixels as runs to `sink`.
 */
export function drawThinPolyline(
  xs: Int32Array, ys: Int32Array, n: number, width: number, height: number, sink: RowSink,
): void {
  if (n < 2 || width <= 0 || height <= 0) return;
  const xmax = width - 1;
  const ymax = height - 1;
  // The clip keeps lines inside the canvas, except when coordinates are so
  // large that its 32-bit arithmetic overflowed; then stray pixels are cut.
  const clipped: RowSink = (y, x0, x1) => {
    if (y < 0 || y > ymax) return;
    if (x0 < 0) x0 = 0;
    if (x1 > width) x1 = width;
    if (x0 < x1) sink(y, x0, x1);
  };
  let x2 = xs[0]!;
  let y2 = ys[0]!;
  let oc2 = outcode(x2, y2, xmax, ymax);
  for (let i = 1; i < n; i++) {
    const x1 = x2, y1 = y2, oc1 = oc2;
    x2 = xs[i]!;
    y2 = ys[i]!;
    oc2 = outcode(x2, y2, xmax, ymax);
    let octant = 0;
    let sx = 1, sy = 1;
    let adx = (x2 - x1) | 0;
    let ady = (y2 - y1) | 0;
    if (adx < 0) {
      adx = -adx | 0;
      sx = -1;
      octant |= X_DECREASING;
    }
    if (ady < 0) {
      ady = -ady | 0;
      sy = -1;
      octant |= Y_DECREASING;
    }
    const xMajor = adx > ady;
    if (!xMajor) octant |= Y_MAJOR;
    const major = xMajor ? adx : ady;
    const minor = xMajor ? ady : adx;
    const e1 = (minor << 1) | 0;
    const e2 = (e1 - (major << 1)) | 0;
    let e = (e1 - major) | 0;
    e = (e - ((AXIAL_BIAS >> octant) & 1)) | 0;
    let length = major;
    let sx1 = x1, sy1 = y1;
    if ((oc1 | oc2) !== 0) {
      if (!clipSegment(x1, y1, x2, y2, xmax, ymax, adx, ady, octant, oc1, oc2)) continue;
      sx1 = clip.x1;
      sy1 = clip.y1;
      length = Math.abs(xMajor ? clip.x2 - clip.x1 : clip.y2 - clip.y1);
      if (clip.clipped2) length++;
      if (clip.clipped1) {
        // error term at the entry point, after the skipped major and minor steps
        const cmaj = Math.abs(xMajor ? sx1 - x1 : sy1 - y1) | 0;
        const cmin = Math.abs(xMajor ? sy1 - y1 : sx1 - x1) | 0;
        e = (e + ((Math.imul(cmin, e2) + Math.imul((cmaj - cmin) | 0, e1)) | 0)) | 0;
      }
    }
    walkSegment(sx1, sy1, length, xMajor, sx, sy, e, e1, e2, clipped);
  }
}

/** Emits `length` pixels from (x, y), grouping consecutive pixels of a row into one run. */
function walkSegment(
  x: number, y: number, length: number, xMajor: boolean, sx: number, sy: number,
  e: number, e1: number, e2: number, sink: RowSink,
): void {
  const e3 = (e2 - e1) | 0;
  e = (e - e1) | 0;
  if (xMajor) {
    let runStart = x, runEnd = x; // inclusive pixel range of the current row
    let started = false;
    while (length-- > 0) {
      if (!started) {
        runStart = runEnd = x;
        started = true;
      } else if (x < runStart) runStart = x;
      else if (x > runEnd) runEnd = x;
      e = (e + e1) | 0;
      const rowDone = e >= 0;
      if (rowDone) {
        e = (e + e3) | 0;
      }
      if (rowDone || length === 0) {
        sink(y, runStart, runEnd + 1);
        started = false;
      }
      if (rowDone) y = (y + sy) | 0;
      x = (x + sx) | 0;
    }
  } else {
    while (length-- > 0) {
      sink(y, x, x + 1);
      e = (e + e1) | 0;
      if (e >= 0) {
        x = (x + sx) | 0;
        e = (e + e3) | 0;
      }
      y = (y + sy) | 0;
    }
  }
}
