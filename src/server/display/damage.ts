/**
 * Damage bookkeeping for one viewer: the rectangles of the frame the viewer has not
 * seen yet. Kept as a short list of rectangles: a new rectangle is dropped when an old
 * one covers it, swallows the old ones it covers, and is merged with a neighbour when
 * the union wastes little area. Past `maxRects` the two rectangles whose union wastes
 * least are merged, so a slow viewer's backlog stays bounded whatever the source does.
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

export class Damage {
  private boxes: Box[] = [];

  /** `waste`: how much bigger than the parts a merged rectangle may be (1.25 = 25 %). */
  constructor(private readonly maxRects = 48, private readonly waste = 1.25) {}

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
    let cur = c;
    for (;;) {
      let merged = false;
      for (let i = 0; i < this.boxes.length; i++) {
        const o = this.boxes[i]!;
        if (contains(o, cur)) return;
        const u = union(o, cur);
        if (contains(cur, o) || area(u) <= (area(o) + area(cur)) * this.waste) {
          this.boxes.splice(i, 1);
          cur = u;
          merged = true;
          break;
        }
      }
      if (!merged) break;
    }
    this.boxes.push(cur);
    while (this.boxes.length > this.maxRects) this.mergeCheapest();
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

  /** Takes every rectangle (the damage becomes empty). */
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
    const u = union(this.boxes[bi]!, this.boxes[bj]!);
    this.boxes.splice(bj, 1);
    this.boxes.splice(bi, 1);
    this.add(u, u);
  }
}
