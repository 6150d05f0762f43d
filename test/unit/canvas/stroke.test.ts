/**
 * DRAW_STROKE rasterization (src/canvas/stroke.ts): which pixels a path
 * touches, how often, and which inputs are refused.
 *
 * Expectations are worked out by hand from the rules the reference
 * (spice-common canvas_base.c + lines.c, X11 mi code) follows:
 * - thin solid lines: Bresenham along the major axis (|dx| > |dy| is
 *   x-major, equal is y-major), pixel centers on integer coordinates, the
 *   end pixel of every segment left out; on an exact error tie the line
 *   keeps the axial step in octants 2-5 (x decreasing, or y decreasing while
 *   y-major) and steps diagonally in the others;
 * - dashed lines: each "on" dash is the 1-pixel-wide rectangle along the
 *   line; a pixel is inside when its center is, left/top edges included,
 *   right/bottom edges excluded; gaps are not drawn; the phase runs on
 *   across the segments of one polyline.
 * - 28.4 coordinates round to the nearest pixel with halves going down.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rasterizeStroke, type StrokeAttr, type StrokePath, type StrokeOptions } from '../../../src/canvas/stroke.js';
import { LineFlags, PathFlags } from '../../../src/protocol/enums/index.js';
import { ErrorCode, SpiceError } from '../../../src/protocol/errors.js';

// ---------------------------------------------------------------------------
// helpers

const F = 16; // one pixel in 28.4
const { BEGIN, END, CLOSE, BEZIER } = PathFlags;
type Pt = readonly [number, number];

/** A segment from pixel coordinates (or raw 28.4 ones with `fixed`). */
function seg(flags: number, pts: readonly Pt[], fixed = false): StrokePath['segments'][number] {
  const k = fixed ? 1 : F;
  return { flags, count: pts.length, points: pts.map(([x, y]) => ({ x: x * k, y: y * k })) };
}
function path(...segments: StrokePath['segments']): StrokePath {
  return { num_segments: segments.length, segments };
}
/** One open polyline through the points. */
const line = (...pts: Pt[]): StrokePath => path(seg(BEGIN | END, pts));
const SOLID: StrokeAttr = { flags: 0 };
function dashed(style: number[], startWithGap = false): StrokeAttr {
  return {
    flags: LineFlags.STYLED | (startWithGap ? LineFlags.START_WITH_GAP : 0),
    style_nseg: style.length,
    style,
  };
}
/** Dash lengths in whole pixels. */
const dashes = (...px: number[]): StrokeAttr => dashed(px.map((v) => v * F));

const XOR = 0x6;
const COPY = 0x3;

interface Drawn {
  /** pixel "x,y" -> times emitted */
  counts: Map<string, number>;
  spans: number;
  background: number;
}

/** Strokes and collects every emitted pixel, checking each span is inside the canvas. */
function draw(p: StrokePath, attr: StrokeAttr, w: number, h: number, opts?: StrokeOptions): Drawn {
  const counts = new Map<string, number>();
  let spans = 0, background = 0;
  rasterizeStroke(p, attr, w, h, (y, x0, x1, fg) => {
    assert.ok(Number.isInteger(y) && Number.isInteger(x0) && Number.isInteger(x1), 'integer span');
    assert.ok(y >= 0 && y < h && x0 >= 0 && x1 <= w && x0 < x1, `span y=${y} [${x0},${x1}) outside ${w}x${h}`);
    spans++;
    if (!fg) background++;
    for (let x = x0; x < x1; x++) counts.set(`${x},${y}`, (counts.get(`${x},${y}`) ?? 0) + 1);
  }, opts);
  return { counts, spans, background };
}

/** The set of drawn pixels, sorted, for comparison with a hand-made list. */
function set(d: Drawn): string[] {
  return [...d.counts.keys()].sort();
}
function pix(...pts: Pt[]): string[] {
  return pts.map(([x, y]) => `${x},${y}`).sort();
}
/** Pixels (x0..x1-1, y). */
function row(y: number, x0: number, x1: number): Pt[] {
  const r: Pt[] = [];
  for (let x = x0; x < x1; x++) r.push([x, y]);
  return r;
}
function col(x: number, y0: number, y1: number): Pt[] {
  const r: Pt[] = [];
  for (let y = y0; y < y1; y++) r.push([x, y]);
  return r;
}
function assertOnce(d: Drawn, what: string): void {
  for (const [k, v] of d.counts) assert.equal(v, 1, `${what}: pixel ${k} emitted ${v} times`);
}
const isCode = (code: string) => (e: unknown) => e instanceof SpiceError && e.code === code;

/** Deterministic PRNG for the property tests. */
function prng(seed: number): (lo: number, hi: number) => number {
  let s = seed >>> 0;
  return (lo, hi) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return lo + Math.floor((s / 4294967296) * (hi - lo + 1));
  };
}

// ---------------------------------------------------------------------------
// thin solid lines

test('horizontal and vertical lines leave out their end pixel, in both directions', () => {
  assert.deepEqual(set(draw(line([2, 3], [7, 3]), SOLID, 10, 10)), pix(...row(3, 2, 7)));
  assert.deepEqual(set(draw(line([7, 3], [2, 3]), SOLID, 10, 10)), pix(...row(3, 3, 8)));
  assert.deepEqual(set(draw(line([3, 1], [3, 5]), SOLID, 10, 10)), pix(...col(3, 1, 5)));
  assert.deepEqual(set(draw(line([3, 5], [3, 1]), SOLID, 10, 10)), pix(...col(3, 2, 6)));
  // a horizontal run is one span, a vertical line one span per row
  assert.equal(draw(line([2, 3], [7, 3]), SOLID, 10, 10).spans, 1);
  assert.equal(draw(line([3, 1], [3, 5]), SOLID, 10, 10).spans, 4);
});

test('all eight octants, with the error tie broken by the octant', () => {
  // (4,2)-type vectors hit a tie at every other step. Minor offsets along the
  // major axis: without the bias [0,1,1,2], with it [0,0,1,1].
  const cases: Array<[string, Pt, Pt[]]> = [
    ['octant 8 (right, down, shallow)', [14, 12], [[10, 10], [11, 11], [12, 11], [13, 12]]],
    ['octant 1 (right, up, shallow)', [14, 8], [[10, 10], [11, 9], [12, 9], [13, 8]]],
    ['octant 4 (left, up, shallow; biased)', [6, 8], [[10, 10], [9, 10], [8, 9], [7, 9]]],
    ['octant 5 (left, down, shallow; biased)', [6, 12], [[10, 10], [9, 10], [8, 11], [7, 11]]],
    ['octant 7 (right, down, steep)', [12, 14], [[10, 10], [11, 11], [11, 12], [12, 13]]],
    ['octant 6 (left, down, steep)', [8, 14], [[10, 10], [9, 11], [9, 12], [8, 13]]],
    ['octant 2 (right, up, steep; biased)', [12, 6], [[10, 10], [10, 9], [11, 8], [11, 7]]],
    ['octant 3 (left, up, steep; biased)', [8, 6], [[10, 10], [10, 9], [9, 8], [9, 7]]],
  ];
  for (const [what, end, expected] of cases) {
    assert.deepEqual(set(draw(line([10, 10], end), SOLID, 20, 20)), pix(...expected), what);
  }
});

test('lines on octant boundaries: exact diagonals step diagonally every time', () => {
  for (const [dx, dy] of [[1, 1], [1, -1], [-1, 1], [-1, -1]] as const) {
    const d = draw(line([10, 10], [10 + 5 * dx, 10 + 5 * dy]), SOLID, 20, 20);
    const expected: Pt[] = [];
    for (let i = 0; i < 5; i++) expected.push([10 + i * dx, 10 + i * dy]);
    assert.deepEqual(set(d), pix(...expected), `diagonal ${dx},${dy}`);
  }
});

test('a line and its reverse touch the same pixels apart from their end pixels', () => {
  const r = prng(7);
  for (let i = 0; i < 500; i++) {
    const a: Pt = [r(0, 30), r(0, 30)], b: Pt = [r(0, 30), r(0, 30)];
    if (a[0] === b[0] && a[1] === b[1]) continue;
    const fwd = set(draw(line(a, b), SOLID, 31, 31)).concat(`${b[0]},${b[1]}`).sort();
    const rev = set(draw(line(b, a), SOLID, 31, 31)).concat(`${a[0]},${a[1]}`).sort();
    assert.deepEqual(fwd, rev, `${a} -> ${b}`);
  }
});

test('a single point, a zero-length line and an empty path draw nothing', () => {
  assert.equal(draw(line([4, 4]), SOLID, 10, 10).spans, 0);
  assert.equal(draw(line([4, 4], [4, 4]), SOLID, 10, 10).spans, 0);
  assert.equal(draw(path(), SOLID, 10, 10).spans, 0);
  assert.equal(draw(line([4, 4]), dashes(3, 1), 10, 10).spans, 0);
  assert.equal(draw(line([4, 4], [4, 4], [4, 4]), dashes(3, 1), 10, 10).spans, 0);
});

test('points round to the nearest pixel, halves down', () => {
  // x = 2.5 -> 2, x = 2.5625 -> 3, y = -0.5 -> -1 (off canvas), y = 1.5 -> 1
  const p = path(seg(BEGIN | END, [[40, 24], [41 + 5 * F, 24]], true));
  assert.deepEqual(set(draw(p, SOLID, 12, 4)), pix(...row(1, 2, 8)));
  const q = path(seg(BEGIN | END, [[3 * F, -8], [3 * F, 3 * F]], true));
  assert.deepEqual(set(draw(q, SOLID, 6, 6)), pix(...col(3, 0, 3)));
});

test('polyline joints are drawn once; a closed path does not redraw its start', () => {
  // square: each side stops short of the next corner, which the next side draws
  const sq = path(seg(BEGIN | END | CLOSE, [[2, 2], [6, 2], [6, 6], [2, 6]]));
  const d = draw(sq, SOLID, 10, 10);
  assert.deepEqual(set(d), pix(...row(2, 2, 6), ...col(6, 2, 6), ...row(6, 3, 7), ...col(2, 3, 7)));
  assert.equal(d.counts.size, 16);
  assertOnce(d, 'closed square');
  // without CLOSE the last side is missing, and the end pixel (2,6) too
  const open = draw(path(seg(BEGIN | END, [[2, 2], [6, 2], [6, 6], [2, 6]])), SOLID, 10, 10);
  assert.deepEqual(set(open), pix(...row(2, 2, 6), ...col(6, 2, 6), ...row(6, 3, 7)));
  // CLOSE given on a later segment of the same polyline closes to its first point
  const split = path(seg(BEGIN, [[2, 2], [6, 2]]), seg(0, [[6, 6]]), seg(END | CLOSE, [[2, 6]]));
  assert.deepEqual(set(draw(split, SOLID, 10, 10)), set(d));
});

test('a polyline crossing itself paints the crossing pixel twice (it matters for XOR)', () => {
  const d = draw(line([1, 1], [5, 5], [5, 1], [1, 5]), SOLID, 8, 8);
  assert.equal(d.counts.get('3,3'), 2);
  assert.deepEqual(set(d), pix([1, 1], [2, 2], [3, 3], [4, 4], [5, 5], [5, 4], [5, 3], [5, 2], [5, 1], [4, 2], [2, 4]));
  // two subpaths over the same pixels are drawn independently
  const twice = draw(path(seg(BEGIN | END, [[0, 1], [4, 1]]), seg(BEGIN | END, [[0, 1], [4, 1]])), SOLID, 8, 8);
  for (const [k, v] of twice.counts) assert.equal(v, 2, k);
});

test('clipping keeps the pixels of the unclipped line', () => {
  // (-3,-1) -> (9,5): x-major, tie at every other step (octant 8, no bias):
  // (-3,-1) (-2,0) (-1,0) (0,1) (1,1) (2,2) (3,2) (4,3) (5,3) (6,4) ...
  assert.deepEqual(set(draw(line([-3, -1], [9, 5]), SOLID, 6, 4)), pix([0, 1], [1, 1], [2, 2], [3, 2], [4, 3], [5, 3]));
  // an end point outside the canvas: the line runs to the edge
  assert.deepEqual(set(draw(line([-5, 2], [10, 2]), SOLID, 6, 5)), pix(...row(2, 0, 6)));
  assert.deepEqual(set(draw(line([2, -3], [2, 10]), SOLID, 6, 5)), pix(...col(2, 0, 5)));
  assert.deepEqual(set(draw(line([10, 1], [-4, 1]), SOLID, 6, 5)), pix(...row(1, 0, 6)));
  assert.deepEqual(set(draw(line([4, 9], [4, -9]), SOLID, 6, 5)), pix(...col(4, 0, 5)));
  // entirely outside, on every side
  for (const l of [line([-5, 0], [-1, 4]), line([6, 0], [9, 4]), line([0, -4], [5, -1]), line([0, 5], [5, 9])]) {
    assert.equal(draw(l, SOLID, 6, 5).spans, 0);
  }
});

test('clipping at every edge equals cropping a larger canvas (solid and dashed, random paths)', () => {
  const r = prng(3);
  const attrs: Array<[string, StrokeAttr, StrokeOptions]> = [
    ['solid', SOLID, {}],
    ['dashed', dashes(3, 2), {}],
    ['dashed xor', dashed([2 * F, F, 5 * F]), { foreRop: XOR }],
  ];
  for (let i = 0; i < 300; i++) {
    const n = r(2, 5);
    const pts: Pt[] = [];
    for (let k = 0; k < n; k++) pts.push([r(-15, 35), r(-15, 35)]);
    const [what, attr, opts] = attrs[i % attrs.length]!;
    const small = draw(line(...pts), attr, 20, 20, opts);
    const big = draw(line(...pts.map(([x, y]) => [x + 40, y + 40] as Pt)), attr, 100, 100, opts);
    const crop = new Map<string, number>();
    for (const [k, v] of big.counts) {
      const [x, y] = k.split(',').map(Number) as [number, number];
      if (x >= 40 && x < 60 && y >= 40 && y < 60) crop.set(`${x - 40},${y - 40}`, v);
    }
    assert.deepEqual([...small.counts].sort(), [...crop].sort(), `${what}: ${JSON.stringify(pts)}`);
  }
});

test('huge coordinates: clipped by arithmetic, no hang', () => {
  const far = 30000;
  // crossing the whole canvas from far outside
  assert.deepEqual(set(draw(line([-far, 5], [far, 5]), SOLID, 40, 30)), pix(...row(5, 0, 40)));
  assert.deepEqual(set(draw(line([7, far], [7, -far]), SOLID, 40, 30)), pix(...col(7, 0, 30)));
  const diag: Pt[] = [];
  for (let i = 0; i < 30; i++) diag.push([i, i]);
  assert.deepEqual(set(draw(line([-far, -far], [far, far]), SOLID, 40, 30)), pix(...diag));
  // the full 28.4 range (the reference's own arithmetic overflows there; the
  // point is that every span is inside the canvas and it finishes quickly)
  const max = 0x7fffffff, min = -0x80000000;
  const extreme = path(seg(BEGIN | END, [[min, min], [max, max], [max, min], [min, 5 * F], [max, 7 * F]], true));
  const t0 = performance.now();
  draw(extreme, SOLID, 1920, 1080);
  draw(extreme, dashes(1, 1), 1920, 1080);
  draw(extreme, dashes(1, 1), 1920, 1080, { foreRop: XOR });
  const many = path(...Array.from({ length: 50 }, (_, i) => seg(BEGIN | END, [[min, i * 20 * F], [max, (i * 7) * F]], true)));
  draw(many, dashed([F, 0, 2 * F]), 1920, 1080);
  assert.ok(performance.now() - t0 < 5000, 'huge strokes take too long');
});

// ---------------------------------------------------------------------------
// dashes

test('dashes along horizontal and vertical lines, both directions', () => {
  // on 2, off 1 from x=0: on [0,2) [3,5) [6,8) [9,10)
  assert.deepEqual(set(draw(line([0, 2], [10, 2]), dashes(2, 1), 12, 5)), pix([0, 2], [1, 2], [3, 2], [4, 2], [6, 2], [7, 2], [9, 2]));
  // from x=10 leftwards: on [8,10] [5,7] [2,4] [0,1] -> pixel centres inside, right edge out
  assert.deepEqual(set(draw(line([10, 2], [0, 2]), dashes(2, 1), 12, 5)), pix([8, 2], [9, 2], [5, 2], [6, 2], [2, 2], [3, 2], [0, 2]));
  assert.deepEqual(set(draw(line([2, 0], [2, 10]), dashes(2, 1), 5, 12)), pix([2, 0], [2, 1], [2, 3], [2, 4], [2, 6], [2, 7], [2, 9]));
  assert.deepEqual(set(draw(line([2, 10], [2, 0]), dashes(2, 1), 5, 12)), pix([2, 8], [2, 9], [2, 5], [2, 6], [2, 2], [2, 3], [2, 0]));
});

test('gaps are not drawn: every span is foreground', () => {
  const d = draw(line([0, 2], [30, 2], [30, 20]), dashes(2, 3, 1, 1), 40, 40);
  assert.ok(d.spans > 0);
  assert.equal(d.background, 0);
});

test('START_WITH_GAP makes the first length a gap', () => {
  // [2,1] with a leading gap: off 2, on 1, off 2, on 1, ...
  assert.deepEqual(set(draw(line([0, 2], [10, 2]), dashed([2 * F, F], true), 12, 5)), pix([2, 2], [5, 2], [8, 2]));
  // The reference does it by rotating the list ([1,3,2] -> [3,2,1]) and
  // starting one entry in; on/off follows the entry's index parity, so with
  // an odd count the last and first entries are both "on": off 2, on 1, on 3,
  // off 2, on 1, on 3 -> pixels 2 | 3 4 5 | 8 | 9 10 11.
  assert.deepEqual(set(draw(line([0, 0], [12, 0]), dashed([F, 3 * F, 2 * F], true), 14, 2)), pix([2, 0], [3, 0], [4, 0], [5, 0], [8, 0], [9, 0], [10, 0], [11, 0]));
});

test('dash phase carries across the segments of a polyline and restarts with each subpath', () => {
  const whole = pix([0, 2], [1, 2], [3, 2], [4, 2], [6, 2], [7, 2], [9, 2]);
  assert.deepEqual(set(draw(line([0, 2], [4, 2], [10, 2]), dashes(2, 1), 12, 5)), whole);
  // same points over two segments of one polyline
  assert.deepEqual(set(draw(path(seg(BEGIN, [[0, 2], [4, 2]]), seg(END, [[10, 2]])), dashes(2, 1), 12, 5)), whole);
  // as two subpaths: the second restarts at (4,2): on [4,6) off [6,7) on [7,9) off
  const restarted = path(seg(BEGIN | END, [[0, 2], [4, 2]]), seg(BEGIN | END, [[4, 2], [10, 2]]));
  assert.deepEqual(set(draw(restarted, dashes(2, 1), 12, 5)), pix([0, 2], [1, 2], [3, 2], [4, 2], [5, 2], [7, 2], [8, 2]));
  // around a corner: 3 on, 3 off; (0,0)->(4,0)->(4,8): on [0,3) along x, off until 2 px down, on 3 px
  assert.deepEqual(set(draw(line([0, 0], [4, 0], [4, 8]), dashes(3, 3), 6, 10)), pix([0, 0], [1, 0], [2, 0], [4, 2], [4, 3], [4, 4]));
});

test('style lengths: 28.4 rounding (halves down) and modulo 256', () => {
  const expected21 = set(draw(line([0, 2], [10, 2]), dashes(2, 1), 12, 5));
  assert.deepEqual(set(draw(line([0, 2], [10, 2]), dashed([40, 16]), 12, 5)), expected21, '2.5 -> 2');
  // 2.5625 -> 3: on [0,3) [4,7) [8,10)
  assert.deepEqual(set(draw(line([0, 2], [10, 2]), dashed([41, 16]), 12, 5)), pix([0, 2], [1, 2], [2, 2], [4, 2], [5, 2], [6, 2], [8, 2], [9, 2]));
  // 258 -> 2, 257 -> 1
  assert.deepEqual(set(draw(line([0, 2], [10, 2]), dashed([258 * F, 257 * F]), 12, 5)), expected21);
  // zero-length entries draw nothing: [2,0,0,1] is on 2, off 0, on 0, off 1, like [2,1]
  assert.deepEqual(set(draw(line([0, 2], [10, 2]), dashes(2, 0, 0, 1), 12, 5)), expected21);
});

test('dashed closed path: the union of the dashes, joins filled, once per pixel for XOR-like ROPs', () => {
  const sq = path(seg(BEGIN | END | CLOSE, [[2, 2], [6, 2], [6, 6], [2, 6]]));
  // a dash longer than the path: a closed 1-pixel-wide square outline
  const perimeter = pix(...row(2, 2, 7), ...row(6, 2, 7), ...col(2, 3, 6), ...col(6, 3, 6));
  const xor = draw(sq, dashes(255, 1), 10, 10, { foreRop: XOR });
  assert.deepEqual(set(xor), perimeter);
  assertOnce(xor, 'xor square');
  // With a ROP where painting twice is harmless the reference paints piece by
  // piece: each side covers [start, end) along its direction, so (2,2) is
  // covered by the top and the left side, (6,6) by no side: the one miter
  // join drawn (where neither side heads right or down) fills it.
  const copy = draw(sq, dashes(255, 1), 10, 10, { foreRop: COPY });
  assert.deepEqual(set(copy), perimeter);
  assert.equal(copy.counts.get('2,2'), 2);
  assert.equal(copy.counts.get('6,6'), 1);
});

test('dashed miter join fills the outer corner of a turn', () => {
  // (1,5) -> (5,5) -> (5,1): the rectangles stop at x=5 (right edge out) and
  // y=5 (bottom edge out), so the corner pixel (5,5) comes only from the join
  const d = draw(line([1, 5], [5, 5], [5, 1]), dashes(20, 1), 8, 8, { foreRop: XOR });
  assert.deepEqual(set(d), pix(...row(5, 1, 6), ...col(5, 1, 5)));
  assertOnce(d, 'turn');
});

// ---------------------------------------------------------------------------
// beziers

test('a bezier is split in halves until flat, from the current (rounded) point', () => {
  // (0,0) (4,1) (12,1) (16,0): controls 1 px off the chord, more than the
  // ~0.7 px allowed, so one split at t=1/2: midpoint (8, 0.75) -> (8,1); both
  // halves are then flat. The polyline (0,0)-(8,1)-(16,0) as thin lines:
  const p = path(seg(BEGIN | END | BEZIER, [[0, 0], [64, 16], [192, 16], [256, 0]], true));
  assert.deepEqual(set(draw(p, SOLID, 20, 4)), pix(...row(0, 0, 4), ...row(1, 4, 12), ...row(0, 12, 16)));
  // a bezier with its controls on the chord is the straight line
  const flat = path(seg(BEGIN | END | BEZIER, [[0, 3], [2, 3], [5, 3], [8, 3]]));
  assert.deepEqual(set(draw(flat, SOLID, 10, 5)), pix(...row(3, 0, 8)));
  // BEZIER without BEGIN continues the current polyline, several curves per segment
  const chain = path(seg(BEGIN, [[0, 3]]), seg(BEZIER | END, [[2, 3], [5, 3], [8, 3], [8, 5], [8, 7], [8, 9]]));
  assert.deepEqual(set(draw(chain, SOLID, 10, 10)), pix(...row(3, 0, 8), ...col(8, 3, 9)));
});

test('degenerate beziers end (the reference recurses forever on them)', () => {
  const p = path(seg(BEGIN | END | BEZIER, [[160, 160], [160, 160], [160, 160], [161, 160]], true));
  const d = draw(p, SOLID, 20, 20);
  assert.equal(d.spans, 0, 'a curve within one pixel draws nothing');
  const loop = path(seg(BEGIN | END | BEZIER, [[5, 5], [15, 5], [15, 15], [5, 5]]));
  const l = draw(loop, SOLID, 20, 20);
  assert.ok(l.counts.has('5,5') && l.counts.size > 10);
});

// ---------------------------------------------------------------------------
// malformed input and limits

test('malformed paths and styles are refused before anything is drawn', () => {
  const drawn: number[] = [];
  const sink = (y: number) => { drawn.push(y); };
  const good = seg(BEGIN | END, [[0, 0], [5, 0]]);
  const cases: Array<[string, StrokePath, StrokeAttr, string]> = [
    ['bezier count not a multiple of 3', path(good, seg(BEGIN | BEZIER, [[0, 0], [1, 1], [2, 2]])), SOLID, ErrorCode.CORRUPT_IMAGE],
    ['bezier count without BEGIN', path(good, seg(BEGIN, [[0, 0]]), seg(BEZIER, [[1, 1], [2, 2]])), SOLID, ErrorCode.CORRUPT_IMAGE],
    ['bezier with no current point', path(good, seg(BEZIER, [[1, 1], [2, 2], [3, 3]])), SOLID, ErrorCode.CORRUPT_IMAGE],
    ['BEGIN without a point', path(good, seg(BEGIN | END, [])), SOLID, ErrorCode.CORRUPT_IMAGE],
    ['count disagrees with points', path(good, { flags: BEGIN | END, count: 3, points: [{ x: 0, y: 0 }] }), SOLID, ErrorCode.INCONSISTENT],
    ['num_segments disagrees', { num_segments: 2, segments: [good] }, SOLID, ErrorCode.INCONSISTENT],
    ['STYLED without lengths', path(good), { flags: LineFlags.STYLED, style_nseg: 0, style: [] }, ErrorCode.CORRUPT_IMAGE],
    ['STYLED with a NULL style', path(good), { flags: LineFlags.STYLED, style_nseg: 2, style: null }, ErrorCode.CORRUPT_IMAGE],
    ['style shorter than style_nseg', path(good), { flags: LineFlags.STYLED, style_nseg: 3, style: [16] }, ErrorCode.INCONSISTENT],
    ['all dashes of length 0 (mod 256)', path(good), dashed([0, 256 * F, 8]), ErrorCode.CORRUPT_IMAGE],
  ];
  for (const [what, p, attr, code] of cases) {
    assert.throws(() => rasterizeStroke(p, attr, 10, 10, sink), isCode(code), what);
  }
  assert.equal(drawn.length, 0, 'nothing emitted before the error');
  // a BEZIER segment with no points is fine, as in the reference
  assert.equal(draw(path(good, seg(BEZIER, [])), SOLID, 10, 10).spans, 1);
});

test('limits and arguments', () => {
  assert.throws(() => rasterizeStroke(line([0, 0], [1, 1]), SOLID, -1, 10, () => {}), isCode(ErrorCode.BAD_ARGUMENT));
  assert.throws(() => rasterizeStroke(line([0, 0], [1, 1]), SOLID, 10.5, 10, () => {}), isCode(ErrorCode.BAD_ARGUMENT));
  const long = line(...Array.from({ length: 100 }, (_, i) => [i, i % 2] as Pt));
  assert.throws(() => rasterizeStroke(long, SOLID, 10, 10, () => {}, { maxPoints: 50 }), isCode(ErrorCode.LIMIT));
  assert.doesNotThrow(() => rasterizeStroke(long, SOLID, 10, 10, () => {}, { maxPoints: 100 }));
  // an empty canvas draws nothing but still checks the path
  assert.equal(draw(line([0, 0], [5, 5]), SOLID, 0, 0).spans, 0);
  assert.throws(() => rasterizeStroke(path(seg(BEGIN | END, [])), SOLID, 0, 0, () => {}), isCode(ErrorCode.CORRUPT_IMAGE));
});

test('a zero dash-step budget (jumping whole periods off-canvas) changes next to nothing', () => {
  // Jumping adds the skipped distance at once where the reference adds it
  // dash by dash, so a pixel on a rounding edge may differ; the pattern
  // position itself stays exact.
  const r = prng(11);
  let same = 0;
  const total = 100;
  for (let i = 0; i < total; i++) {
    const pts: Pt[] = [];
    for (let k = 0; k < 4; k++) pts.push([r(-300, 300), r(-300, 300)]);
    const attr = dashes(r(1, 4), r(1, 4));
    const a = draw(line(...pts), attr, 50, 50);
    const b = draw(line(...pts), attr, 50, 50, { maxDashSteps: 0 });
    if (JSON.stringify([...a.counts].sort()) === JSON.stringify([...b.counts].sort())) same++;
    else assert.ok(Math.abs(a.counts.size - b.counts.size) <= 2, JSON.stringify(pts));
  }
  assert.ok(same >= total * 0.95, `${same} of ${total} identical`);
});
