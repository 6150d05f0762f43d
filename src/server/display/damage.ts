/**
 * Damage bookkeeping for one viewer: the rectangles of the frame the viewer has not
 * seen yet. Kept as a short list of disjoint rectangles: a new rectangle is dropped when
 * an old one covers it, swallows the old ones it covers, is merged with a neighbour when
 * their bounding box adds few pixels neither of them covers, and otherwise loses the
 * parts the list already holds. Merging little keeps old content (often a photo) out of
 * the images; disjoint rectangles send no pixel twice. Past `maxRects` the two
 * rectangles whose union wastes least are merged, so a slow viewer's backlog stays
 * bounded whatever the source does.
 */
import type { SourceRect } from '../source.js';

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const area = (b: Box) => (b.x1 - b.x0) * (b.y1 - b.y0);
const union = (a: Box, b: Box): Box => ({
  x0: Math.min(a.x0, b.x0), y0: Math.min(a.y0, b.y0), x1: Math.max(a.x1, b.x1), y1: Math.max(a.y1, b.y1),
});
const contains = (a: Box, b: Box) => a.x0 <= b.x0 && a.y0 <= b.y0 && a.x1 >= b.x1 && a.y1 >= b.y1;

export function intersect(a: Box, b: Box): Box | undefined {
  const x0 = Math.max(a.x0, b.x0), y0 = Math.max(a.y0, b.y0);
  const x1 = Math.min(a.x1, b.x1), y1 = Math.min(a.y1, b.y1);
  return x0 < x1 && y0 < y1 ? { x0, y0, x1, y1 } : undefined;
}

export function toBox(r: SourceRect): Box {
  return { x0: r.x, y0: r.y, x1: r.x + r.width, y1: r.y + r.height };
}

export function toRect(b: Box): SourceRect {
  return { x: b.x0, y: b.y0, width: b.x1 - b.x0, height: b.y1 - b.y0 };
}

const overlaps = (a: Box, b: Box) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

/** `box` minus `holes` (any rectangles), as disjoint rectangles. */
export function subtractAll(box: Box, holes: readonly Box[]): Box[] {
  let pieces: Box[] = [{ x0: box.x0, y0: box.y0, x1: box.x1, y1: box.y1 }];
  for (const h of holes) {
    const next: Box[] = [];
    for (const r of pieces) {
      if (!overlaps(r, h)) { next.push(r); continue; }
      const iy0 = Math.max(r.y0, h.y0), iy1 = Math.min(r.y1, h.y1);
      if (r.y0 < iy0) next.push({ x0: r.x0, y0: r.y0, x1: r.x1, y1: iy0 });
      if (r.x0 < h.x0) next.push({ x0: r.x0, y0: iy0, x1: h.x0, y1: iy1 });
      if (h.x1 < r.x1) next.push({ x0: h.x1, y0: iy0, x1: r.x1, y1: iy1 });
      if (iy1 < r.y1) next.push({ x0: r.x0, y0: iy1, x1: r.x1, y1: r.y1 });
    }
    pieces = next;
  }
  return pieces;
}

/** After this many merges within one add(), the rest is only cut (so add always ends). */
const MAX_MERGES_PER_ADD = 64;

export class Damage {
  private boxes: Box[] = [];

  /**
   * `waste`: how much bigger than what the two cover a merged rectangle may be (1.25 =
   * 25 %); `slack`: and at most this many pixels bigger.
   */
  constructor(private readonly maxRects = 48, private readonly waste = 1.25, private readonly slack = 256) {}

  get empty(): boolean {
    return this.boxes.length === 0;
  }

  get count(): number {
    return this.boxes.length;
  }

  /** Adds a rectangle, clipped to `bounds`. */
  add(b: Box, bounds: Box): void {
    const c = intersect(b, bounds);
    if (!c) return;
    this.insert(c);
    while (this.boxes.length > this.maxRects) this.mergeCheapest();
  }

  private insert(c: Box): void {
    const todo = [c];
    let merges = 0;
    next: while (todo.length) {
      let cur = todo.pop()!;
      for (let i = 0; i < this.boxes.length; i++) {
        const o = this.boxes[i]!;
        if (contains(o, cur)) continue next;
        if (contains(cur, o) || (merges < MAX_MERGES_PER_ADD && this.worthMerging(o, cur))) {
          this.boxes.splice(i, 1);
          cur = union(o, cur);
          merges++;
          i = -1; // the union may now touch boxes already passed
        }
      }
      const hit = this.boxes.filter((o) => overlaps(o, cur));
      if (hit.length === 0) this.boxes.push(cur);
      else todo.push(...subtractAll(cur, hit));
    }
  }

  private worthMerging(a: Box, b: Box): boolean {
    const i = intersect(a, b);
    const covered = area(a) + area(b) - (i ? area(i) : 0);
    const extra = area(union(a, b)) - covered;
    return extra <= this.slack && extra <= covered * (this.waste - 1);
  }

  addAll(boxes: readonly Box[], bounds: Box): void {
    for (const b of boxes) this.add(b, bounds);
  }

  /**
   * A move of `src` by (dx, dy) is about to be sent: parts of `src` the viewer has
   * stale will be copied stale, so their destination becomes damaged too.
   */
  moved(src: Box, dx: number, dy: number, bounds: Box): void {
    const extra: Box[] = [];
    for (const b of this.boxes) {
      const i = intersect(b, src);
      if (i) extra.push({ x0: i.x0 + dx, y0: i.y0 + dy, x1: i.x1 + dx, y1: i.y1 + dy });
    }
    this.addAll(extra, bounds);
  }

  /** Takes every rectangle (the damage becomes empty); they are disjoint. */
  take(): Box[] {
    const out = this.boxes;
    this.boxes = [];
    return out;
  }

  clear(): void {
    this.boxes = [];
  }

  private mergeCheapest(): void {
    let best = 0, bi = 0, bj = 1;
    for (let i = 0; i < this.boxes.length; i++) {
      for (let j = i + 1; j < this.boxes.length; j++) {
        const a = this.boxes[i]!, b = this.boxes[j]!;
        const cost = area(union(a, b)) - area(a) - area(b);
        if (i === 0 && j === 1 || cost < best) { best = cost; bi = i; bj = j; }
      }
    }
    let u = union(this.boxes[bi]!, this.boxes[bj]!);
    this.boxes.splice(bj, 1);
    this.boxes.splice(bi, 1);
    // The union swallows whatever it touches, so the list stays disjoint and gets shorter.
    for (let i = 0; i < this.boxes.length; i++) {
      if (overlaps(this.boxes[i]!, u)) {
        u = union(u, this.boxes[i]!);
        this.boxes.splice(i, 1);
        i = -1;
      }
    }
    this.boxes.push(u);
  }
}
