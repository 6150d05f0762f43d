/**
 * Fewer fill messages for the same picture: one-colour rectangles found in the frame
 * (solid-split.ts) are often pieces of one drawn rectangle that a later one covers in
 * part, or that damage bookkeeping cut apart. layerFills() puts such pieces back
 * together and orders the fills so that later ones paint over earlier ones, as the
 * drawing program did.
 *
 * Two groups of the same colour merge into their bounding box when every pixel of it
 * lies in one of the candidate rectangles, or in a hole between them that `holeIs` says
 * has their colour (a strip too narrow to be a candidate) (the candidates are disjoint
 * and each of one colour, so what the box paints wrongly is exactly the other-coloured
 * candidates in it). Those must be painted after it: a candidate already in a merged ("background")
 * group puts that group after this one in the order; a foreground fill (sent after
 * every background) remembers the backgrounds it covers, and when it later joins a
 * background of its own colour, that background goes after them. Merges that would
 * need a background both before and after another are not made, so an order exists.
 *
 * Why the picture stays right: every candidate of colour c ends up either a foreground
 * fill (painted last, by itself) or inside a background of colour c that is sent after
 * every background of another colour covering it. Pixels outside every candidate are
 * never painted by a fill.
 *
 * Last, foreground fills of one colour that together are two overlapping drawn
 * rectangles (an L or a cross: three or more disjoint pieces) are stretched over each
 * other and the pieces then covered dropped (coverSameColour), so two fills go out, as
 * the program drew them. Foreground fills are disjoint and painted last, so a fill
 * stretched over another of its colour paints nothing that changes.
 */
import { subtractAll, type Box } from './damage.js';
import type { SolidPart } from './solid-split.js';

/** More candidates than this are sent as found (the pair search is quadratic). */
const MAX_LAYERED = 32;

const area = (b: Box) => (b.x1 - b.x0) * (b.y1 - b.y0);

function overlapArea(a: Box, b: Box): number {
  const w = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
  const h = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
  return w > 0 && h > 0 ? w * h : 0;
}

const inside = (a: Box, u: Box) => a.x0 >= u.x0 && a.y0 >= u.y0 && a.x1 <= u.x1 && a.y1 <= u.y1;

interface Group extends SolidPart {
  bg: boolean;
  dead: boolean;
}

/**
 * `e`: disjoint one-colour candidates. Returns the fills in sending order, which
 * candidates were dropped: left on their own, covering nothing, and not worth a message
 * (`keep` false) — their pixels go as images, and the holes a fill paints besides the
 * candidates (`holeIs` said they have its colour: they need no image).
 */
export function layerFills(e: readonly SolidPart[], keep: (f: SolidPart) => boolean = () => true,
  holeIs?: (hole: Box, color: number) => boolean): { fills: SolidPart[]; dropped: boolean[]; holes: Box[] } {
  const n = e.length;
  const holes: Box[] = [];
  const unlayered = () => {
    const dropped = e.map((f) => !keep(f));
    return { fills: e.filter((_, k) => !dropped[k]), dropped, holes };
  };
  if (n > MAX_LAYERED) return unlayered();
  // The coverage test counts pixels, so it needs disjoint candidates; anything else goes as found.
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (overlapArea(e[i]!, e[j]!) > 0) return unlayered();

  // Group k starts as candidate k alone; owner[k] is the group candidate k belongs to.
  const groups: Group[] = e.map((f) => ({ x0: f.x0, y0: f.y0, x1: f.x1, y1: f.y1, color: f.color, bg: false, dead: false }));
  const owner = e.map((_, k) => k);
  // covers[k * n + h]: candidate k (a foreground fill) paints over part of background h.
  const covers = new Uint8Array(n * n);
  // before[g * n + h]: background h must be sent before background g.
  let before: Uint8Array = new Uint8Array(n * n);

  for (let changed = true; changed;) {
    changed = false;
    for (let i = 0; i < n; i++) {
      const a = groups[i]!;
      if (a.dead) continue;
      for (let j = 0; j < n; j++) {
        const b = groups[j]!;
        if (j === i || b.dead || b.color !== a.color) continue;
        const u: Box = { x0: Math.min(a.x0, b.x0), y0: Math.min(a.y0, b.y0), x1: Math.max(a.x1, b.x1), y1: Math.max(a.y1, b.y1) };
        const next = tryMerge(i, u);
        if (!next) continue;
        before = next;
        changed = true;
      }
    }
  }

  /** Merges into group i everything of its colour inside u; the new order matrix, or undefined when not allowed. */
  function tryMerge(i: number, u: Box): Uint8Array | undefined {
    const c = groups[i]!.color;
    let covered = 0;
    for (let k = 0; k < n; k++) {
      const ov = overlapArea(e[k]!, u);
      if (ov === 0) continue;
      covered += ov;
    }
    let gaps: Box[] = [];
    if (covered !== area(u)) {
      if (!holeIs) return undefined;
      gaps = subtractAll(u, e.filter((f) => overlapArea(f, u) > 0));
      if (!gaps.every((g) => holeIs(g, c))) return undefined;
    }
    // The groups of colour c inside u join group i.
    const joins: number[] = [];
    for (let g = 0; g < n; g++) {
      const gr = groups[g]!;
      if (!gr.dead && gr.color === c && inside(gr, u)) joins.push(g);
    }
    const m = before.slice();
    for (const g of joins) {
      if (g === i) continue;
      // i inherits g's place: after what g came after, before what came after g.
      for (let h = 0; h < n; h++) {
        if (m[g * n + h]) m[i * n + h] = 1;
        if (m[h * n + g]) { m[h * n + i] = 1; m[h * n + g] = 0; }
        m[g * n + h] = 0;
      }
    }
    // Foreground fills joining (i's own first candidate included) bring the backgrounds they covered.
    for (const g of joins) {
      if (groups[g]!.bg) continue;
      for (let h = 0; h < n; h++) if (covers[g * n + h] && !joins.includes(h)) m[i * n + h] = 1;
    }
    // Other colours inside come later: foreground fills anyway, backgrounds by order.
    for (let k = 0; k < n; k++) {
      if (e[k]!.color === c || overlapArea(e[k]!, u) === 0) continue;
      const g = owner[k]!;
      if (groups[g]!.bg) m[g * n + i] = 1;
    }
    m[i * n + i] = 0;
    if (cyclic(m, i)) return undefined;
    // Commit.
    for (const g of joins) {
      if (g === i) continue;
      groups[g]!.dead = true;
      for (let k = 0; k < n; k++) {
        if (owner[k] === g) owner[k] = i;
        if (covers[k * n + g]) { covers[k * n + g] = 0; covers[k * n + i] = 1; }
      }
    }
    for (let k = 0; k < n; k++) if (e[k]!.color !== c && overlapArea(e[k]!, u) > 0 && !groups[owner[k]!]!.bg) covers[k * n + i] = 1;
    const a = groups[i]!;
    a.x0 = u.x0; a.y0 = u.y0; a.x1 = u.x1; a.y1 = u.y1;
    a.bg = true;
    for (const g of gaps) holes.push(g);
    return m;
  }

  /** Whether background i would have to come before one of the backgrounds it must follow. */
  function cyclic(m: Uint8Array, i: number): boolean {
    // Everything i must follow, directly or not; a cycle is i among them (only i's edges changed).
    const seen = new Uint8Array(n);
    const stack = [i];
    while (stack.length) {
      const g = stack.pop()!;
      for (let h = 0; h < n; h++) {
        if (!m[g * n + h] || seen[h]) continue;
        if (h === i) return true;
        seen[h] = 1;
        stack.push(h);
      }
    }
    return false;
  }

  // Backgrounds in an order that respects `before`, then the foreground fills.
  const fills: SolidPart[] = [];
  const placed = new Uint8Array(n);
  const bgs = groups.map((g, k) => (!g.dead && g.bg ? k : -1)).filter((k) => k >= 0);
  for (let left = bgs.length; left > 0;) {
    let progress = false;
    for (const g of bgs) {
      if (placed[g]) continue;
      let ready = true;
      for (let h = 0; h < n && ready; h++) if (before[g * n + h] && !placed[h] && !groups[h]!.dead && groups[h]!.bg) ready = false;
      if (!ready) continue;
      placed[g] = 1;
      left--;
      progress = true;
      const gr = groups[g]!;
      fills.push({ x0: gr.x0, y0: gr.y0, x1: gr.x1, y1: gr.y1, color: gr.color });
    }
    if (!progress) throw new Error('layerFills: no order for the merged fills'); // tryMerge keeps the order acyclic
  }
  const dropped = new Array<boolean>(n).fill(false);
  const fore: SolidPart[] = [];
  for (let k = 0; k < n; k++) {
    const g = groups[k]!;
    if (g.dead || g.bg) continue;
    let pinned = false;
    for (let h = 0; h < n && !pinned; h++) if (covers[k * n + h]) pinned = true;
    if (!pinned && !keep(e[k]!)) { dropped[k] = true; continue; }
    fore.push({ x0: g.x0, y0: g.y0, x1: g.x1, y1: g.y1, color: g.color });
  }
  for (const f of coverSameColour(fore, holeIs, holes)) fills.push(f);
  return { fills, dropped, holes };
}

/** Pixels a search for holes may look at per call (holeIs reads them). */
const HOLE_BUDGET = 1 << 20;

/**
 * Disjoint one-colour rectangles painted by themselves (in any order): those of a colour
 * are stretched over the others of that colour (and over holes `holeIs` says have the
 * colour, which go into `holes`) as far as these cover the way, then the ones the others
 * cover are left out. Same pixels painted the same, fewer rectangles.
 */
export function coverSameColour(fills: readonly SolidPart[], holeIs?: (hole: Box, color: number) => boolean, holes: Box[] = []): SolidPart[] {
  const out = fills.map((f) => ({ ...f }));
  if (out.length < 2) return out;
  let budget = HOLE_BUDGET;
  const covered = (b: Box, by: readonly Box[], c: number): boolean => {
    if (b.x0 >= b.x1 || b.y0 >= b.y1) return true;
    const left = subtractAll(b, by);
    if (left.length === 0) return true;
    if (!holeIs) return false;
    for (const h of left) {
      budget -= area(h);
      if (budget < 0 || !holeIs(h, c)) return false;
    }
    for (const h of left) holes.push(h);
    return true;
  };
  const gone = new Array<boolean>(out.length).fill(false);
  for (let i = 0; i < out.length; i++) {
    const a = out[i]!;
    const same = out.filter((b, j) => j !== i && b.color === a.color);
    if (same.length < (holeIs ? 1 : 2)) continue;
    // Each side moves to the farthest edge of another rectangle it can reach over covered pixels.
    const ys = same.flatMap((b) => [b.y0, b.y1]), xs = same.flatMap((b) => [b.x0, b.x1]);
    const c = a.color;
    for (const y of ys.filter((v) => v < a.y0).sort((p, q) => q - p)) {
      if (!covered({ x0: a.x0, y0: y, x1: a.x1, y1: a.y0 }, same, c)) break;
      a.y0 = y;
    }
    for (const y of ys.filter((v) => v > a.y1).sort((p, q) => p - q)) {
      if (!covered({ x0: a.x0, y0: a.y1, x1: a.x1, y1: y }, same, c)) break;
      a.y1 = y;
    }
    for (const x of xs.filter((v) => v < a.x0).sort((p, q) => q - p)) {
      if (!covered({ x0: x, y0: a.y0, x1: a.x0, y1: a.y1 }, same, c)) break;
      a.x0 = x;
    }
    for (const x of xs.filter((v) => v > a.x1).sort((p, q) => p - q)) {
      if (!covered({ x0: a.x1, y0: a.y0, x1: x, y1: a.y1 }, same, c)) break;
      a.x1 = x;
    }
  }
  // Smallest first: a piece the others of its colour cover is not needed.
  const order = out.map((_, k) => k).sort((p, q) => area(out[p]!) - area(out[q]!));
  for (const k of order) {
    const others = out.filter((b, j) => j !== k && !gone[j] && b.color === out[k]!.color);
    if (others.length && subtractAll(out[k]!, others).length === 0) gone[k] = true;
  }
  return out.filter((_, k) => !gone[k]);
}
