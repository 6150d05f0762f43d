/**
 * Pixel regions as y-x bands (the representation pixman regions use): a
 * sorted list of horizontal bands, each with sorted, disjoint, non-touching
 * x spans. Draw operations clip with these: box ∩ surface ∩ clip rects ∩ mask.
 */

export interface Band {
  y1: number;
  y2: number;
  /** x1, x2, x1, x2, ... half-open spans, sorted, disjoint and non-adjacent. */
  xs: number[];
}

type Op = 0 | 1 | 2; // 0 = intersect, 1 = union, 2 = subtract (a - b)

export class Region {
  constructor(readonly bands: Band[] = []) {}

  static empty(): Region {
    return new Region();
  }

  /** The rectangle [x1,x2) x [y1,y2); empty when inverted or degenerate. */
  static rect(x1: number, y1: number, x2: number, y2: number): Region {
    if (!(x1 < x2) || !(y1 < y2)) return new Region();
    return new Region([{ y1, y2, xs: [x1, x2] }]);
  }

  /** Union of rectangles given as [x1, y1, x2, y2] (degenerate ones are dropped). */
  static fromRects(rects: ReadonlyArray<readonly [number, number, number, number]>): Region {
    if (rects.length === 0) return new Region();
    if (rects.length === 1) return Region.rect(...rects[0]!);
    if (rects.length > 16) {
      // Halves joined by union: each step is linear, so many clip rectangles stay cheap.
      const mid = rects.length >> 1;
      return Region.fromRects(rects.slice(0, mid)).union(Region.fromRects(rects.slice(mid)));
    }
    // Build row bands from all y edges, then the union of the x spans in each.
    const ys = new Set<number>();
    for (const [x1, y1, x2, y2] of rects) if (x1 < x2 && y1 < y2) { ys.add(y1); ys.add(y2); }
    const edges = [...ys].sort((a, b) => a - b);
    const bands: Band[] = [];
    for (let i = 0; i + 1 < edges.length; i++) {
      const y1 = edges[i]!, y2 = edges[i + 1]!;
      const spans: Array<[number, number]> = [];
      for (const [rx1, ry1, rx2, ry2] of rects) if (rx1 < rx2 && ry1 <= y1 && ry2 >= y2 && ry1 < ry2) spans.push([rx1, rx2]);
      if (spans.length === 0) continue;
      spans.sort((a, b) => a[0] - b[0]);
      const xs: number[] = [];
      for (const [a, b] of spans) {
        const n = xs.length;
        if (n > 0 && a <= xs[n - 1]!) { if (b > xs[n - 1]!) xs[n - 1] = b; } else xs.push(a, b);
      }
      pushBand(bands, y1, y2, xs);
    }
    return new Region(bands);
  }

  /**
   * The set bits of a 1-bit mask: `bit(x, y)` for x in [0,width), y in [0,height),
   * placed with its top-left corner at (ox, oy).
   */
  static fromBits(width: number, height: number, ox: number, oy: number, bit: (x: number, y: number) => boolean): Region {
    const bands: Band[] = [];
    for (let y = 0; y < height; y++) {
      const xs: number[] = [];
      let x = 0;
      while (x < width) {
        while (x < width && !bit(x, y)) x++;
        if (x >= width) break;
        const s = x;
        while (x < width && bit(x, y)) x++;
        xs.push(s + ox, x + ox);
      }
      if (xs.length) pushBand(bands, y + oy, y + oy + 1, xs);
    }
    return new Region(bands);
  }

  isEmpty(): boolean {
    return this.bands.length === 0;
  }

  /** [x1, y1, x2, y2] of the bounding box, or undefined when empty. */
  extents(): [number, number, number, number] | undefined {
    if (this.bands.length === 0) return undefined;
    let x1 = Infinity, x2 = -Infinity;
    for (const b of this.bands) {
      if (b.xs[0]! < x1) x1 = b.xs[0]!;
      if (b.xs[b.xs.length - 1]! > x2) x2 = b.xs[b.xs.length - 1]!;
    }
    return [x1, this.bands[0]!.y1, x2, this.bands[this.bands.length - 1]!.y2];
  }

  translate(dx: number, dy: number): Region {
    if (dx === 0 && dy === 0) return this;
    return new Region(this.bands.map((b) => ({ y1: b.y1 + dy, y2: b.y2 + dy, xs: b.xs.map((x) => x + dx) })));
  }

  intersect(o: Region): Region {
    return combine(this, o, 0);
  }

  union(o: Region): Region {
    return combine(this, o, 1);
  }

  subtract(o: Region): Region {
    return combine(this, o, 2);
  }

  intersectRect(x1: number, y1: number, x2: number, y2: number): Region {
    return combine(this, Region.rect(x1, y1, x2, y2), 0);
  }

  /** Calls `f` for every rectangle, band by band (pixman's order). */
  forEachRect(f: (x1: number, y1: number, x2: number, y2: number) => void): void {
    for (const b of this.bands) for (let i = 0; i < b.xs.length; i += 2) f(b.xs[i]!, b.y1, b.xs[i + 1]!, b.y2);
  }

  /** The x spans of row y (x1, x2, ...), or undefined when the row is empty. */
  rowSpans(y: number): number[] | undefined {
    const bands = this.bands;
    let lo = 0, hi = bands.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1, b = bands[mid]!;
      if (y < b.y1) hi = mid - 1;
      else if (y >= b.y2) lo = mid + 1;
      else return b.xs;
    }
    return undefined;
  }

  /** True when the pixel (x, y) is inside. */
  contains(x: number, y: number): boolean {
    for (const b of this.bands) {
      if (y < b.y1) return false;
      if (y >= b.y2) continue;
      for (let i = 0; i < b.xs.length; i += 2) if (x >= b.xs[i]! && x < b.xs[i + 1]!) return true;
      return false;
    }
    return false;
  }
}

function sameXs(a: number[], b: number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Appends a band, merging it with the previous one when they touch and have the same spans. */
function pushBand(bands: Band[], y1: number, y2: number, xs: number[]): void {
  if (xs.length === 0 || y1 >= y2) return;
  const last = bands[bands.length - 1];
  if (last && last.y2 === y1 && sameXs(last.xs, xs)) last.y2 = y2;
  else bands.push({ y1, y2, xs });
}

function combineSpans(a: number[], b: number[], op: Op): number[] {
  // Sweep over all span edges counting coverage in a and b.
  const out: number[] = [];
  let i = 0, j = 0;
  let inA = false, inB = false;
  let cur = false;
  while (i < a.length || j < b.length) {
    const xa = i < a.length ? a[i]! : Infinity;
    const xb = j < b.length ? b[j]! : Infinity;
    const x = Math.min(xa, xb);
    if (xa === x) { inA = (i & 1) === 0; i++; }
    if (xb === x) { inB = (j & 1) === 0; j++; }
    const now = op === 0 ? inA && inB : op === 1 ? inA || inB : inA && !inB;
    if (now !== cur) {
      if (now) {
        if (out.length && out[out.length - 1] === x) out.pop(); // adjacent: merge
        else out.push(x);
      } else out.push(x);
      cur = now;
    }
  }
  return out;
}

function combine(a: Region, b: Region, op: Op): Region {
  const A = a.bands, B = b.bands;
  if (op === 0 && (A.length === 0 || B.length === 0)) return new Region();
  if (op === 2 && B.length === 0) return a;
  if (op === 2 && A.length === 0) return a;
  if (op === 1 && A.length === 0) return b;
  if (op === 1 && B.length === 0) return a;
  const ys: number[] = [];
  for (const x of A) ys.push(x.y1, x.y2);
  for (const x of B) ys.push(x.y1, x.y2);
  ys.sort((p, q) => p - q);
  const bands: Band[] = [];
  let ia = 0, ib = 0;
  const none: number[] = [];
  for (let k = 0; k + 1 < ys.length; k++) {
    const y1 = ys[k]!, y2 = ys[k + 1]!;
    if (y1 === y2) continue;
    while (ia < A.length && A[ia]!.y2 <= y1) ia++;
    while (ib < B.length && B[ib]!.y2 <= y1) ib++;
    const sa = ia < A.length && A[ia]!.y1 <= y1 ? A[ia]!.xs : none;
    const sb = ib < B.length && B[ib]!.y1 <= y1 ? B[ib]!.xs : none;
    if (sa === none && sb === none) continue;
    let xs: number[];
    if (op === 0) xs = sa === none || sb === none ? none : combineSpans(sa, sb, 0);
    else if (op === 1) xs = sa === none ? sb.slice() : sb === none ? sa.slice() : combineSpans(sa, sb, 1);
    else xs = sa === none ? none : sb === none ? sa.slice() : combineSpans(sa, sb, 2);
    if (xs.length) pushBand(bands, y1, y2, xs === sa || xs === sb ? xs.slice() : xs);
  }
  return new Region(bands);
}
