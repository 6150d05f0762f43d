/**
 * Boxes of the x11 source's frame known to hold one colour. The scroll search reads every
 * damaged box it searches and checks first whether it is one colour (a fill); it notes the
 * box here, and the display channel asks (DisplaySource.solidColour) before scanning the
 * same pixels again to find fills in them. Whoever writes into the frame forgets the
 * boxes it touches before writing, so a note always describes the frame as it is.
 *
 * A few notes at most (the newest), in typed arrays: no allocation per update.
 */
import type { SourceRect } from '../../source.js';

export class SolidNotes {
  private readonly x0: Int32Array;
  private readonly y0: Int32Array;
  private readonly x1: Int32Array;
  private readonly y1: Int32Array;
  private readonly rgb: Int32Array;
  private n = 0;

  constructor(readonly max = 16) {
    this.x0 = new Int32Array(max);
    this.y0 = new Int32Array(max);
    this.x1 = new Int32Array(max);
    this.y1 = new Int32Array(max);
    this.rgb = new Int32Array(max);
  }

  /** How many boxes are noted. */
  get size(): number {
    return this.n;
  }

  /** Every pixel of `box` now has the RGB colour `rgb` (0xRRGGBB). */
  note(box: SourceRect, rgb: number): void {
    if (box.width <= 0 || box.height <= 0) return;
    this.forget(box);
    if (this.n === this.max) this.drop(0); // the oldest goes
    const k = this.n++;
    this.x0[k] = box.x; this.y0[k] = box.y;
    this.x1[k] = box.x + box.width; this.y1[k] = box.y + box.height;
    this.rgb[k] = rgb & 0xffffff;
  }

  /** Pixels inside `r` are about to change: notes that touch it no longer hold. */
  forget(r: SourceRect): void {
    const rx1 = r.x + r.width, ry1 = r.y + r.height;
    for (let k = this.n - 1; k >= 0; k--) {
      if (this.x0[k]! < rx1 && r.x < this.x1[k]! && this.y0[k]! < ry1 && r.y < this.y1[k]!) this.drop(k);
    }
  }

  /** The colour of every pixel of the box [x0, x1) x [y0, y1) when a note covers it, else -1. */
  colourOf(x0: number, y0: number, x1: number, y1: number): number {
    for (let k = this.n - 1; k >= 0; k--) {
      if (this.x0[k]! <= x0 && this.y0[k]! <= y0 && x1 <= this.x1[k]! && y1 <= this.y1[k]!) return this.rgb[k]!;
    }
    return -1;
  }

  clear(): void {
    this.n = 0;
  }

  private drop(k: number): void {
    // Shifted down, so the oldest stays first (note() drops it when full).
    const last = --this.n;
    for (let i = k; i < last; i++) {
      this.x0[i] = this.x0[i + 1]!; this.y0[i] = this.y0[i + 1]!;
      this.x1[i] = this.x1[i + 1]!; this.y1[i] = this.y1[i + 1]!;
      this.rgb[i] = this.rgb[i + 1]!;
    }
  }
}
