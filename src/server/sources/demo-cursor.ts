/**
 * The demo source's cursor: a black arrow with a white outline and a soft shadow, 16x24,
 * 32-bit ARGB with straight alpha, hot spot at the tip. Rasterised from a polygon with
 * 4x4 supersampling so the edges get partial alpha.
 */
import type { SourceCursor } from '../source.js';

export const CURSOR_W = 16;
export const CURSOR_H = 24;

// The arrow outline, tip first, in pixels from the tip.
const ARROW: readonly [number, number][] = [
  [0, 0], [0, 16.5], [4.2, 12.6], [7.1, 19.4], [9.6, 18.3], [6.8, 11.8], [12.2, 11.8],
];
// Where the tip sits inside the image (room for the outline above and left of it).
const TIP_X = 1.2;
const TIP_Y = 1.2;
const OUTLINE = 1.1;
const SHADOW_DX = 1.5;
const SHADOW_DY = 1.8;
const SHADOW_ALPHA = 0.35;
const SUB = 4;

function inside(px: number, py: number): boolean {
  let odd = false;
  for (let i = 0, j = ARROW.length - 1; i < ARROW.length; j = i++) {
    const [xi, yi] = ARROW[i]!, [xj, yj] = ARROW[j]!;
    if ((yi > py) !== (yj > py) && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) odd = !odd;
  }
  return odd;
}

function edgeDistance(px: number, py: number): number {
  let best = Infinity;
  for (let i = 0, j = ARROW.length - 1; i < ARROW.length; j = i++) {
    const [ax, ay] = ARROW[j]!, [bx, by] = ARROW[i]!;
    const ex = bx - ax, ey = by - ay;
    const t = Math.max(0, Math.min(1, ((px - ax) * ex + (py - ay) * ey) / (ex * ex + ey * ey)));
    best = Math.min(best, Math.hypot(px - ax - t * ex, py - ay - t * ey));
  }
  return best;
}

/** Builds the arrow cursor. */
export function arrowCursor(): SourceCursor {
  const pixels = new Uint32Array(CURSOR_W * CURSOR_H);
  for (let y = 0; y < CURSOR_H; y++) {
    for (let x = 0; x < CURSOR_W; x++) {
      // Sums of alpha and alpha-weighted grey (the arrow is black, white and grey only).
      let a = 0, grey = 0;
      for (let sy = 0; sy < SUB; sy++) {
        for (let sx = 0; sx < SUB; sx++) {
          const px = x + (sx + 0.5) / SUB - TIP_X, py = y + (sy + 0.5) / SUB - TIP_Y;
          const inArrow = inside(px, py);
          const d = edgeDistance(px, py);
          if (inArrow && d > OUTLINE) { a += 1; continue; } // black body
          if (inArrow || d <= OUTLINE * 0.6) { a += 1; grey += 255; continue; } // white outline
          if (inside(px - SHADOW_DX, py - SHADOW_DY)) a += SHADOW_ALPHA; // black shadow
        }
      }
      if (a === 0) continue;
      const n = SUB * SUB;
      const alpha = Math.round((a / n) * 255);
      const g = Math.round(grey / a);
      pixels[y * CURSOR_W + x] = ((alpha << 24) | (g << 16) | (g << 8) | g) >>> 0;
    }
  }
  return { width: CURSOR_W, height: CURSOR_H, hotX: Math.round(TIP_X), hotY: Math.round(TIP_Y), pixels };
}
