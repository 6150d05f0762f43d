/**
 * Fewer, larger rectangles: X damage arrives as many small pieces (a region's
 * y-x bands, one rectangle per drawing request), and each piece costs a
 * GetImage round of its own and an image of its own for the server to encode.
 * coalesceRects merges neighbours whenever their bounding box wastes few
 * pixels, so the result covers every input pixel with far fewer rectangles.
 */
import type { SourceRect } from '../../source.js';

export interface CoalesceOptions {
  /**
   * Pixels a merge may add beyond the two areas (default 512: neighbouring pieces of one
   * drawing join, separate drawings mostly stay apart, so a fill stays one colour and
   * goes as a fill rather than as part of an image).
   */
  slack?: number;
  /** Merge harder (doubling the slack) until at most this many remain (default 128). */
  maxRects?: number;
  /** How many of the latest output rectangles each input is tried against (default 8). */
  window?: number;
}

const area = (r: SourceRect) => r.width * r.height;

function union(a: SourceRect, b: SourceRect): SourceRect {
  const x = Math.min(a.x, b.x), y = Math.min(a.y, b.y);
  return { x, y, width: Math.max(a.x + a.width, b.x + b.width) - x, height: Math.max(a.y + a.height, b.y + b.height) - y };
}

function pass(rects: readonly SourceRect[], slack: number, window: number): SourceRect[] {
  const out: SourceRect[] = [];
  for (const r of rects) {
    let merged = false;
    for (let i = out.length - 1; i >= 0 && i >= out.length - window; i--) {
      const u = union(out[i]!, r);
      if (area(u) - area(out[i]!) - area(r) <= slack) {
        out[i] = u;
        merged = true;
        break;
      }
    }
    if (!merged) out.push({ x: r.x, y: r.y, width: r.width, height: r.height });
  }
  return out;
}

/** Rectangles covering every pixel of `rects` (empty ones dropped), merged as described above. */
export function coalesceRects(rects: readonly SourceRect[], opts: CoalesceOptions = {}): SourceRect[] {
  let slack = opts.slack ?? 512;
  const maxRects = Math.max(1, opts.maxRects ?? 128);
  const window = Math.max(1, opts.window ?? 8);
  let cur = rects.filter((r) => r.width > 0 && r.height > 0).sort((a, b) => a.y - b.y || a.x - b.x);
  if (cur.length <= 1) return cur.map((r) => ({ ...r }));
  for (;;) {
    const next = pass(cur, slack, window);
    // Merging can make boxes overlap earlier ones: go again until nothing changes.
    if (next.length === cur.length && next.length <= maxRects) return next;
    cur = next.sort((a, b) => a.y - b.y || a.x - b.x);
    if (next.length > maxRects) slack = Math.max(1, slack * 2);
  }
}
