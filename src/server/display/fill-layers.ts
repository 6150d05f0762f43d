/**
 * Fewer fill messages for the same picture: one-colour rectangles found in the frame
 * (solid-split.ts) are often pieces of one drawn rectangle that a later one covers in
 * part, or that damage bookkeeping cut apart. layerFills() puts such pieces back
 * together and orders the fills so that later ones paint over earlier ones, as the
 * drawing program did.
 *
 * Two groups of the same colour merge into their bounding box when every pixel of it
 * lies in one of the candidate rectangles (the candidates are disjoint and each of one
 * colour, so what the box paints wrongly is exactly the other-coloured candidates in
 * it). Those must be painted after it: a candidate already in a merged ("background")
 * group puts that group after this one in the order; a foreground fill (sent after
 * every background) remembers the backgrounds it covers, and when it later joins a
 * background of its own colour, that background goes after them. Merges that would
 * need a background both before and after another are not made, so an order exists.
 *
 * Why the picture stays right: every candidate of colour c ends up either a foreground
 * fill (painted last, by itself) or inside a background of colour c that is sent after
 * every background of another colour covering it. Pixels outside every candidate are
 * never painted by a fill.
 */
import type { Box } from './damage.js';
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
 * `e`: disjoint one-colour candidates. Returns the fills in sending order, and which
 * candidates were dropped: left on their own, covering nothing, and not worth a message
 * (`keep` false) — their pixels go as images.
 */
export function layerFills(e: readonly SolidPart[], keep: (f: SolidPart) => boolean = () => true): { fills: SolidPart[]; dropped: boolean[] } {
  const n = e.length;
  const unlayered = () => {
    const dropped = e.map((f) => !keep(f));
    return { fills: e.filter((_, k) => !dropped[k]), dropped };
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
    if (covered !== area(u)) return undefined;
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
  for (let k = 0; k < n; k++) {
    const g = groups[k]!;
    if (g.dead || g.bg) continue;
    let pinned = false;
    for (let h = 0; h < n && !pinned; h++) if (covers[k * n + h]) pinned = true;
    if (!pinned && !keep(e[k]!)) { dropped[k] = true; continue; }
    fills.push({ x0: g.x0, y0: g.y0, x1: g.x1, y1: g.y1, color: g.color });
  }
  return { fills, dropped };
}
