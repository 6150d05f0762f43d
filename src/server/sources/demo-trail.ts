/**
 * The demo's pointer trail: the last pointer positions as dots (older ones smaller and
 * fainter) and the last clicks as rings coloured by button. When the demo animates, marks
 * also fade out with age and disappear. Marks are drawn over the rest of the picture; each
 * has a fixed bounding box, which is what gets repainted when it changes.
 */
import type { Box } from '../display/damage.js';
import { blendCircle, box, overlaps, type Canvas } from './demo-draw.js';

const DOT_COLOR = 0xff3cc8ff;
/** Ring colours for left, middle, right and other buttons. */
const RING_COLORS = [0xffffd040, 0xff60e060, 0xffff6060, 0xffd080ff] as const;
const DOT_RADIUS = 5.5;
const RING_RADIUS = 12;
const RING_WIDTH = 2.5;
const MAX_RINGS = 6;
/** Seconds a dot and a ring stay on screen when animating. */
const DOT_LIFE = 1.5;
const RING_LIFE = 2.5;
/** A new dot only once the pointer moved this far (px, |dx| + |dy|) from the last one. */
const DOT_SPACING = 3;

interface Mark {
  x: number;
  y: number;
  /** Animation step when it appeared. */
  born: number;
  /** Ring colour index (rings only). */
  button: number;
  box: Box;
}

function markBox(x: number, y: number, radius: number): Box {
  const r = Math.ceil(radius + 1);
  return box(x - r, y - r, 2 * r + 1, 2 * r + 1);
}

export class Trail {
  private dots: Mark[] = [];
  private rings: Mark[] = [];
  private buttons = 0;

  /** `fps`: animation steps a second, or 0 when marks never age. */
  constructor(private readonly maxDots: number, private readonly fps: number) {}

  get empty(): boolean {
    return this.dots.length === 0 && this.rings.length === 0;
  }

  /** Bounding boxes of every mark. */
  boxes(): Box[] {
    return [...this.dots, ...this.rings].map((m) => m.box);
  }

  /**
   * The pointer is at (x, y) with these buttons held. Returns false when nothing changes
   * (too close to the last dot, no new button).
   */
  pointer(x: number, y: number, buttons: number, step: number): boolean {
    const pressed = buttons & ~this.buttons;
    this.buttons = buttons;
    const last = this.dots[this.dots.length - 1];
    const addDot = !last || Math.abs(last.x - x) + Math.abs(last.y - y) >= DOT_SPACING;
    if (addDot) {
      this.dots.push({ x, y, born: step, button: 0, box: markBox(x, y, DOT_RADIUS) });
      if (this.dots.length > this.maxDots) this.dots.shift();
    }
    if (pressed) {
      const b = pressed & 1 ? 0 : pressed & 2 ? 1 : pressed & 4 ? 2 : 3;
      this.rings.push({ x, y, born: step, button: b, box: markBox(x, y, RING_RADIUS) });
      if (this.rings.length > MAX_RINGS) this.rings.shift();
    }
    return addDot || pressed !== 0;
  }

  /** Drops the marks that have faded out by `step`. */
  age(step: number): void {
    if (!this.fps) return;
    this.dots = this.dots.filter((d) => step - d.born < DOT_LIFE * this.fps);
    this.rings = this.rings.filter((r) => step - r.born < RING_LIFE * this.fps);
  }

  clear(): void {
    this.dots = [];
    this.rings = [];
  }

  /** Blends the marks inside `clip` over the picture, as they look at `step`. */
  paint(c: Canvas, clip: Box, step: number): void {
    const fade = (m: Mark, life: number) => (this.fps ? Math.max(0, 1 - (step - m.born) / (life * this.fps)) : 1);
    const n = this.dots.length;
    for (let i = 0; i < n; i++) {
      const m = this.dots[i]!;
      if (!overlaps(m.box, clip)) continue;
      const k = (i + 1) / n;
      blendCircle(c, clip, m.x, m.y, 1.5 + (DOT_RADIUS - 1.5) * k, 0, DOT_COLOR, (0.2 + 0.7 * k) * fade(m, DOT_LIFE));
    }
    const nr = this.rings.length;
    for (let i = 0; i < nr; i++) {
      const m = this.rings[i]!;
      if (!overlaps(m.box, clip)) continue;
      const alpha = (0.4 + (0.5 * (i + 1)) / nr) * fade(m, RING_LIFE);
      blendCircle(c, clip, m.x, m.y, RING_RADIUS, RING_WIDTH, RING_COLORS[m.button]!, alpha);
    }
  }
}
