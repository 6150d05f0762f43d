/**
 * The server-side copy of a client's GLZ dictionary window (used by
 * glz-encode.ts): which images the client still holds, and their pixels.
 *
 * Images are numbered from 0 in encode order. The newest image and the ones
 * kept with it hold at most `windowPixels` pixels together (the client's
 * glz_dictionary_window_size); older ones are dropped, oldest first.
 *
 * Pixels live in one ring of words, never longer than the window: an image
 * is copied in whole (the caller's frame buffer changes afterwards) and
 * never wraps around the ring's end, the rest of the ring being skipped
 * instead. Positions are "virtual": they only grow, and position v is at ring
 * index v mod ring length; everything from the oldest kept image to the
 * newest spans at most the ring's length, so kept images never overlap. The
 * ring starts small and grows fourfold on demand, up to the window.
 */
import { copyRows } from './copy-rows.js';

/** The ring starts this large (or at the window, if smaller). */
const INITIAL_RING = 1 << 20;

export class GlzWindow {
  ring: Uint32Array;

  // Kept images, oldest first, from index `first`: the image of index k has
  // id idBase + k, starts at virtual position virt[k], holds size[k] pixels
  // in rows of width[k], and its alpha is real when hasAlpha[k].
  readonly virt: number[] = [];
  readonly size: number[] = [];
  readonly width: number[] = [];
  readonly hasAlpha: boolean[] = [];
  first = 0;
  idBase = 0;
  /** Pixels of the kept images. */
  livePixels = 0;
  /** Virtual position after the newest image. */
  private headVirt = 0;

  constructor(readonly windowPixels: number) {
    this.ring = new Uint32Array(Math.min(windowPixels, INITIAL_RING));
  }

  /** Id the next image gets. */
  get nextId(): number {
    return this.idBase + this.virt.length;
  }

  /** Number of kept images. */
  get count(): number {
    return this.virt.length - this.first;
  }

  /** Id of the oldest kept image (the newest one's when it is alone). */
  get oldestId(): number {
    return this.idBase + this.first;
  }

  reset(): void {
    this.virt.length = 0;
    this.size.length = 0;
    this.width.length = 0;
    this.hasAlpha.length = 0;
    this.first = 0;
    this.idBase = 0;
    this.livePixels = 0;
    this.headVirt = 0;
  }

  /**
   * Adds an image of width x height pixels (width*height <= windowPixels),
   * dropping what no longer fits, and copies its rows from `pixels` (rows of
   * `stride` words, first pixel at `first`) into the ring. Returns the ring
   * index of its first pixel. `tables` hold ring indices; they are remapped
   * if the ring grows.
   */
  add(pixels: Uint32Array, first: number, stride: number, width: number, height: number, alpha: boolean, tables: Int32Array[]): number {
    const n = width * height;
    const v = this.place(n, tables);
    const ring = this.ring;
    const start = v % ring.length;
    copyRows(pixels, first, stride, width, height, ring, start);
    this.virt.push(v);
    this.size.push(n);
    this.width.push(width);
    this.hasAlpha.push(alpha);
    this.livePixels += n;
    this.headVirt = v + n;
    return start;
  }

  /**
   * Forgets the newest image (added last, not sent after all): its id is given to the
   * next image. Images dropped to make room for it stay dropped.
   */
  dropNewest(): void {
    const k = this.virt.length - 1;
    if (k < this.first) return;
    this.livePixels -= this.size[k];
    this.headVirt = this.virt[k];
    this.virt.pop();
    this.size.pop();
    this.width.pop();
    this.hasAlpha.pop();
  }

  /** Index of the kept image holding ring index `r` (any kept image, the newest too), or -1. */
  imageAtRing(r: number): number {
    const cap = this.ring.length;
    if (this.first >= this.virt.length || !(r >= 0 && r < cap)) return -1;
    // kept images span at most the ring: one virtual position from the oldest on maps to r
    const base = this.virt[this.first];
    const v = base + ((((r - (base % cap)) % cap) + cap) % cap);
    let lo = this.first;
    let hi = this.virt.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.virt[mid] <= v) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found >= 0 && v < this.virt[found] + this.size[found] ? found : -1;
  }

  /**
   * Index of the kept image before the newest that holds virtual position
   * `pos`, or -1 (a skipped stretch of the ring).
   */
  findImage(pos: number): number {
    const virt = this.virt;
    let lo = this.first;
    let hi = virt.length - 2;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (virt[mid] <= pos) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found >= 0 && pos < virt[found] + this.size[found] ? found : -1;
  }

  /**
   * Index of the latest kept image below index `below` with the same width
   * and size (and real alpha, if `alpha`), among the `look` images below it;
   * -1 if none.
   */
  sameShape(width: number, n: number, alpha: boolean, below: number, look: number): number {
    const stop = Math.max(this.first, below - look);
    for (let k = below - 1; k >= stop; k--) {
      if (this.size[k] === n && this.width[k] === width && (!alpha || this.hasAlpha[k])) return k;
    }
    return -1;
  }

  /** Drops images until one of `n` pixels fits; returns its virtual start. */
  private place(n: number, tables: Int32Array[]): number {
    while (this.first < this.virt.length && this.livePixels + n > this.windowPixels) this.dropOldest();
    for (;;) {
      const cap = this.ring.length;
      let v = this.headVirt;
      if (n <= cap) {
        const at = v % cap;
        if (at + n > cap) v += cap - at; // no image wraps around the ring's end
        if (this.first === this.virt.length || v + n - this.virt[this.first] <= cap) return v;
      }
      if (cap < this.windowPixels) {
        this.grow(this.livePixels + n, tables);
      } else {
        this.dropOldest();
        if (this.first === this.virt.length) this.headVirt = 0;
      }
    }
  }

  private dropOldest(): void {
    this.livePixels -= this.size[this.first];
    this.first++;
    if (this.first >= 1024 && this.first * 2 >= this.virt.length) {
      const k = this.first;
      this.virt.splice(0, k);
      this.size.splice(0, k);
      this.width.splice(0, k);
      this.hasAlpha.splice(0, k);
      this.idBase += k;
      this.first = 0;
    }
  }

  /**
   * A larger ring (at least `need` pixels, at most the window): kept images
   * move to its start, back to back, and the ring indices in `tables`
   * follow them (or are cleared, for those that pointed elsewhere).
   */
  private grow(need: number, tables: Int32Array[]): void {
    const old = this.ring;
    const ring = new Uint32Array(Math.min(this.windowPixels, Math.max(old.length * 4, need)));
    const count = this.virt.length - this.first;
    const from = new Float64Array(count);
    const to = new Float64Array(count);
    const len = new Float64Array(count);
    const order: number[] = [];
    let at = 0;
    for (let k = this.first, j = 0; k < this.virt.length; k++, j++) {
      from[j] = this.virt[k] % old.length;
      to[j] = at;
      len[j] = this.size[k];
      ring.set(old.subarray(from[j], from[j] + len[j]), at);
      this.virt[k] = at;
      at += len[j];
      order.push(j);
    }
    this.headVirt = at;
    this.ring = ring;
    order.sort((a, b) => from[a] - from[b]);
    for (const table of tables) {
      for (let h = 0; h < table.length; h++) {
        const r = table[h];
        if (r < 0) continue;
        let lo = 0;
        let hi = count - 1;
        let found = -1;
        while (lo <= hi) {
          const mid = (lo + hi) >> 1;
          if (from[order[mid]] <= r) {
            found = order[mid];
            lo = mid + 1;
          } else {
            hi = mid - 1;
          }
        }
        table[h] = found >= 0 && r < from[found] + len[found] ? to[found] + (r - from[found]) : -1;
      }
    }
  }
}
