/**
 * Finds the large one-colour rectangles inside damaged rectangles of the frame, so the
 * display channel can send them as DRAW_FILL and encode only what is left as images.
 *
 * Damage from an X server (a region's y-x bands) or from our own merging of nearby
 * rectangles often yields a box that holds two solid fills side by side, or a fill and
 * a strip of older content: not one colour, so the whole box used to go as an image
 * (tens of KiB with QUIC, milliseconds of encoding) where spice-server sends one fill
 * per drawing.
 *
 * The search is one pass over the rows: each row is cut into runs of one colour, and a
 * run exactly like one of the previous row (same columns, same colour, same ends)
 * extends that run's rectangle downwards; a run that stops closes its rectangle. The
 * rectangles found (disjoint, each of one colour) are candidates: layerFills() joins
 * those a later fill covers in part, small ones left on their own go back to the
 * images (a message has a fixed cost), and what the kept fills do not cover is cut into
 * a few rectangles sent as images.
 */
import { subtractAll, type Box } from './damage.js';
import { layerFills } from './fill-layers.js';

export interface SolidPart extends Box {
  /** 0xRRGGBB */
  color: number;
}

export interface SolidPlan {
  /** In sending order. */
  fills: SolidPart[];
  /** What the fills leave of the boxes, disjoint; sent after the fills (it may overlap a background fill). */
  rest: Box[];
}

export interface SolidSplitOptions {
  /** Shortest run of one colour that may start a rectangle (pixels). */
  minRun?: number;
  /** Smallest candidate (pixels) and its smallest height (rows). */
  minCandidate?: number;
  minHeight?: number;
  /** Smallest fill sent on its own (pixels), its smallest width and height. */
  minArea?: number;
  minSide?: number;
  /** Boxes below this many pixels are not searched. */
  minBox?: number;
}

const RGB = 0xffffff;
const EMPTY = new Int32Array(0);
/** Candidates per box beyond which the rest of a box goes whole (a busy picture, not fills). */
const MAX_CANDIDATES = 64;

export class SolidSplitter {
  private readonly minRun: number;
  private readonly minCandidate: number;
  private readonly minHeight: number;
  private readonly minArea: number;
  private readonly minSide: number;
  private readonly minBox: number;
  private readonly sampleStep: number;
  // Open rectangles of the previous row (a) and of this row (b): x0, x1, colour, first row.
  private ax0 = new Int32Array(16);
  private ax1 = new Int32Array(16);
  private ac = new Int32Array(16);
  private ay = new Int32Array(16);
  private bx0 = new Int32Array(16);
  private bx1 = new Int32Array(16);
  private bc = new Int32Array(16);
  private by = new Int32Array(16);
  private nb = 0;
  private out: SolidPart[] = [];
  /** The frame the views below are of (kept while the source keeps its buffer). */
  private frame: Uint32Array | null = null;
  private words: Int32Array = new Int32Array(0);
  private pairs: Float64Array | null = null;
  private readonly pat32 = new Int32Array(2);
  private readonly pat64 = new Float64Array(this.pat32.buffer);

  constructor(opts: SolidSplitOptions = {}) {
    this.minRun = Math.max(2, opts.minRun ?? 8);
    this.minCandidate = Math.max(1, opts.minCandidate ?? 64);
    this.minHeight = Math.max(1, opts.minHeight ?? 1);
    this.minArea = Math.max(this.minCandidate, opts.minArea ?? 4096);
    this.minSide = Math.max(1, opts.minSide ?? 16);
    this.minBox = Math.max(this.minCandidate, opts.minBox ?? 2048);
    this.sampleStep = 4;
  }

  /** Boxes planned as one colour because `known` said so (a count since construction). */
  knownBoxes = 0;

  /**
   * Fills and rest for disjoint `boxes` inside a frame of `stride` words per row (boxes
   * must lie inside the frame). Boxes without a fill go whole into `rest`. `known`: the
   * RGB colour of a box whose every pixel the caller knows to have it, else -1; such a
   * box is not read. `beyond`: a fill may also paint pixels outside the boxes that have
   * its colour already (joining pieces of one colour that the damage cut apart), which
   * is right only while the viewer holds the frame's pixels there or gets them later
   * anyway: the display channel allows it while no copy is queued.
   */
  plan(frame: Uint32Array, stride: number, boxes: readonly Box[], known?: (box: Box) => number, beyond = false): SolidPlan {
    if (frame !== this.frame || frame.length !== this.words.length) {
      this.frame = frame;
      // Read as int32: words with the top bit set (alpha 0xff) would otherwise load as doubles.
      this.words = new Int32Array(frame.buffer, frame.byteOffset, frame.length);
      // Pairs of pixels compared as one float64 where the buffer allows (half the reads).
      this.pairs = frame.byteOffset % 8 === 0 ? new Float64Array(frame.buffer, frame.byteOffset, frame.length >> 1) : null;
    }
    const pixels = this.words;
    // (Kept on the splitter and emptied, not made anew: their element kinds then never
    // change between calls, which threw the compiled plan() away at the first empty one.)
    const cands = this.cands, owner = this.owner, searched = this.searched;
    cands.length = 0; owner.length = 0; searched.length = 0;
    const rest: Box[] = [];
    for (const box of boxes) {
      const w = box.x1 - box.x0, h = box.y1 - box.y0;
      if (w <= 0 || h <= 0 || box.x0 < 0 || box.y0 < 0 || box.x1 > stride || (box.y1 - 1) * stride + box.x1 > pixels.length) {
        rest.push(box);
        continue;
      }
      const rgb = known ? known(box) : -1;
      if (rgb >= 0) {
        // One colour, as the caller knows: what the search below would find, without it.
        if (w * h < this.minCandidate) { rest.push(box); continue; }
        this.knownBoxes++;
        cands.push({ x0: box.x0, y0: box.y0, x1: box.x1, y1: box.y1, color: rgb & RGB });
        owner.push(searched.length);
      } else if (w * h < this.minBox || h < this.minHeight || w < this.minRun) {
        // Too small to search; one colour, it may still join a larger fill.
        const color = w * h >= this.minCandidate ? solidColor(pixels, stride, box) : -1;
        if (color < 0) { rest.push(box); continue; }
        cands.push({ x0: box.x0, y0: box.y0, x1: box.x1, y1: box.y1, color });
        owner.push(searched.length);
      } else if (this.anyLongRun(pixels, stride, box)) {
        const found = this.find(pixels, stride, box);
        if (found.length === 0 || found.length > MAX_CANDIDATES) { rest.push(box); continue; }
        for (let k = 0; k < found.length; k++) { cands.push(found[k]!); owner.push(searched.length); }
      } else {
        rest.push(box);
        continue;
      }
      searched.push(box);
    }
    if (cands.length === 0) return { fills: [], rest };
    if (cands.length === 1) {
      // Nothing to layer: the one candidate is a fill of its own or nothing (layerFills would say the same).
      const f = cands[0]!, box = searched[0]!;
      if (!this.keep(f)) { rest.push(box); return { fills: [], rest }; }
      if (f.x0 !== box.x0 || f.y0 !== box.y0 || f.x1 !== box.x1 || f.y1 !== box.y1) for (const r of mergeRest(subtractAll(box, [f]))) rest.push(r);
      return { fills: [f], rest };
    }
    this.holePixels = pixels;
    this.holeStride = stride;
    this.holesBeyond = beyond;
    const { fills, dropped, holes } = layerFills(cands, this.keep, this.holeIs);
    this.holePixels = EMPTY;
    const kept: Box[][] = searched.map(() => []);
    for (let k = 0; k < cands.length; k++) if (!dropped[k]) kept[owner[k]!]!.push(cands[k]!);
    // What the fills paint of the holes needs no image either.
    for (const h of holes) for (let i = 0; i < searched.length; i++) if (overlaps(h, searched[i]!)) kept[i]!.push(h);
    for (let i = 0; i < searched.length; i++) {
      if (kept[i]!.length === 0) rest.push(searched[i]!);
      else for (const r of mergeRest(subtractAll(searched[i]!, kept[i]!))) rest.push(r);
    }
    return { fills, rest };
  }

  // plan()'s working lists, and what holeIs reads while layerFills runs.
  private readonly cands: SolidPart[] = [];
  private readonly owner: number[] = [];
  private readonly searched: Box[] = [];
  private holePixels: Int32Array = EMPTY;
  private holeStride = 0;
  private holesBeyond = false;

  /** Whether a candidate may go as a fill on its own (a message has a fixed cost). */
  private readonly keep = (f: SolidPart): boolean => area(f) >= this.minArea && f.x1 - f.x0 >= this.minSide && f.y1 - f.y0 >= this.minSide;

  /** Strips of a searched box too narrow to be candidates (or, `beyond`, any pixels) may have a fill's colour already: it paints them too. */
  private readonly holeIs = (b: Box, c: number): boolean => {
    let allowed = this.holesBeyond;
    for (let i = 0; !allowed && i < this.searched.length; i++) {
      const s = this.searched[i]!;
      allowed = b.x0 >= s.x0 && b.y0 >= s.y0 && b.x1 <= s.x1 && b.y1 <= s.y1;
    }
    return allowed && solidColor(this.holePixels, this.holeStride, b) === c;
  };

  /** plan() for one box; undefined when it has no fill. */
  split(pixels: Uint32Array, stride: number, box: Box): SolidPlan | undefined {
    const p = this.plan(pixels, stride, [box]);
    return p.fills.length ? p : undefined;
  }

  /** Cheap pre-check on every sampleStep-th row: is there any run of minRun at all? */
  private anyLongRun(p: Int32Array, stride: number, box: Box): boolean {
    for (let y = box.y0 + (this.sampleStep >> 1); y < box.y1; y += this.sampleStep) {
      this.nb = 0;
      this.scan(p, y * stride, box.x0, box.x1, y);
      if (this.nb > 0) return true;
    }
    return false;
  }

  private grow(n: number): void {
    if (n <= this.ax0.length) return;
    let size = this.ax0.length;
    while (size < n) size *= 2;
    this.ax0 = new Int32Array(size); this.ax1 = new Int32Array(size); this.ac = new Int32Array(size); this.ay = new Int32Array(size);
    this.bx0 = new Int32Array(size); this.bx1 = new Int32Array(size); this.bc = new Int32Array(size); this.by = new Int32Array(size);
  }

  /**
   * Appends to the b list the runs of at least minRun in columns [x0, x1) of the row
   * starting at `row`, runs being cut at x0 and x1. A run of 2s pixels (s = minRun/2)
   * holds two pixels s apart at multiples of s from x0, so only those pairs are compared
   * until one matches: away from flat areas a row costs 2/s reads a pixel.
   */
  private scan(p: Int32Array, row: number, x0: number, x1: number, y: number): void {
    if (x1 - x0 < this.minRun) return;
    const s = this.minRun >> 1, minRun = this.minRun;
    const lo = row + x0, end = row + x1;
    let i = lo;
    let floor = lo; // where the previous run (or the range) ended: no run starts before it
    while (i + s < end) {
      const v = p[i]!;
      if (((p[i + s]! ^ v) & RGB) !== 0) { i += s; continue; }
      let a = i;
      while (a > floor && ((p[a - 1]! ^ v) & RGB) === 0) a--;
      let e = i + 1;
      while (e < end && ((p[e]! ^ v) & RGB) === 0) e++;
      if (e - a >= minRun) {
        const k = this.nb++;
        this.bx0[k] = a - row; this.bx1[k] = e - row; this.bc[k] = v & RGB; this.by[k] = y;
        floor = e;
      }
      // the next sample at or after e
      i = e > i + s ? lo + ((((e - lo) + s - 1) / s) | 0) * s : i + s;
    }
  }

  private find(p: Int32Array, stride: number, box: Box): SolidPart[] {
    const { x0, x1, y0, y1 } = box;
    const minArea = this.minCandidate, minHeight = this.minHeight;
    // (| 0, not Math.floor: V8 compiled the division as int32 from exact warm-up cases and
    // threw the code away at the first box whose width minRun does not divide.)
    this.grow((((x1 - x0) / this.minRun) | 0) + 1);
    const out: SolidPart[] = this.out = [];
    let na = 0;
    for (let y = y0; y < y1; y++) {
      const row = y * stride;
      const ax0 = this.ax0, ax1 = this.ax1, ac = this.ac, ay = this.ay;
      const bx0 = this.bx0, bx1 = this.bx1, bc = this.bc, by = this.by;
      this.nb = 0;
      // The previous row's runs that are still there (same columns, colour, and ends) carry
      // on; the columns between them are scanned for new runs.
      let gap = x0;
      for (let k = 0; k < na; k++) {
        const rx0 = ax0[k]!, rx1 = ax1[k]!, c = ac[k]!;
        let ok = (rx0 === x0 || ((p[row + rx0 - 1]! ^ c) & RGB) !== 0) && (rx1 === x1 || ((p[row + rx1]! ^ c) & RGB) !== 0);
        if (ok) ok = this.solid(p, row + rx0, row + rx1, c);
        if (!ok) {
          this.close(k, y, minArea, minHeight);
          continue;
        }
        this.scan(p, row, gap, rx0, y);
        const j = this.nb++;
        bx0[j] = rx0; bx1[j] = rx1; bc[j] = c; by[j] = ay[k]!;
        gap = rx1;
      }
      this.scan(p, row, gap, x1, y);
      // b becomes a
      this.ax0 = bx0; this.bx0 = ax0;
      this.ax1 = bx1; this.bx1 = ax1;
      this.ac = bc; this.bc = ac;
      this.ay = by; this.by = ay;
      na = this.nb;
    }
    for (let k = 0; k < na; k++) this.close(k, y1, minArea, minHeight);
    return out;
  }

  /** Whether p[from .. to) all have the RGB value c. */
  private solid(p: Int32Array, from: number, to: number, c: number): boolean {
    let i = from;
    const pairs = this.pairs;
    if (pairs !== null && to - from >= 8) {
      // Two words at a time as a float64 equal to two copies of the first word: exact
      // bits (a NaN pattern never compares equal, and +0/-0 differ only in alpha), so
      // equality means both have the first word's RGB; anything else is settled below.
      const first = p[i]!;
      if (((first ^ c) & RGB) !== 0) return false;
      this.pat32[0] = first;
      this.pat32[1] = first;
      const pat = this.pat64[0]!;
      if (i & 1) i++;
      let j = i >> 1;
      const je = to >> 1;
      while (j < je && pairs[j] === pat) j++;
      i = j << 1;
    }
    // four at a time, one test per four
    for (; i + 3 < to; i += 4) if ((((p[i]! ^ c) | (p[i + 1]! ^ c) | (p[i + 2]! ^ c) | (p[i + 3]! ^ c)) & RGB) !== 0) break;
    for (; i < to; i++) if (((p[i]! ^ c) & RGB) !== 0) return false;
    return true;
  }

  /** Ends open rectangle k of the a list at row y; keeps it when large enough. */
  private close(k: number, y: number, minArea: number, minHeight: number): void {
    const rh = y - this.ay[k]!, rw = this.ax1[k]! - this.ax0[k]!;
    if (rh >= minHeight && rw * rh >= minArea) this.out.push({ x0: this.ax0[k]!, y0: this.ay[k]!, x1: this.ax1[k]!, y1: y, color: this.ac[k]! });
  }
}

const area = (b: Box) => (b.x1 - b.x0) * (b.y1 - b.y0);
const overlaps = (a: Box, b: Box) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

/** The box's RGB colour when it has one, else -1. */
function solidColor(p: Int32Array, stride: number, b: Box): number {
  const c = p[b.y0 * stride + b.x0]! & RGB;
  for (let y = b.y0; y < b.y1; y++) {
    const row = y * stride;
    for (let i = row + b.x0, e = row + b.x1; i < e; i++) if (((p[i]! ^ c) & RGB) !== 0) return -1;
  }
  return c;
}

/**
 * Joins pieces whose bounding box is just the two of them: each image message has a
 * fixed cost, so slivers left around the fills travel together where they can. The
 * result stays disjoint.
 */
export function mergeRest(pieces: Box[]): Box[] {
  const out = pieces.slice();
  for (let changed = true; changed;) {
    changed = false;
    for (let i = 0; i < out.length && !changed; i++) {
      for (let j = i + 1; j < out.length; j++) {
        const a = out[i]!, b = out[j]!;
        const u = { x0: Math.min(a.x0, b.x0), y0: Math.min(a.y0, b.y0), x1: Math.max(a.x1, b.x1), y1: Math.max(a.y1, b.y1) };
        if (area(u) !== area(a) + area(b)) continue;
        out[i] = u;
        out.splice(j, 1);
        changed = true;
        break;
      }
    }
  }
  return out;
}

