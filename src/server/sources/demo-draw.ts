/**
 * Drawing primitives of the demo source: filled rectangles, bitmap text, anti-aliased
 * dots and rings, all clipped to a box. The demo repaints any rectangle from its model,
 * so every primitive gives each pixel a value that depends only on its position, never
 * on which clip box it is drawn through.
 */
import type { Box } from '../display/damage.js';
import { CELL_H, CELL_W, GLYPH_COLS, GLYPH_ROWS, GLYPH_TOP, glyphRow } from './demo-font.js';

export interface Canvas {
  pixels: Uint32Array;
  stride: number;
  width: number;
  height: number;
}

export function box(x: number, y: number, w: number, h: number): Box {
  return { x0: x, y0: y, x1: x + w, y1: y + h };
}

export function overlaps(a: Box, b: Box): boolean {
  return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

/** Fills `r` ∩ `clip` with an opaque colour. */
export function fill(c: Canvas, clip: Box, r: Box, color: number): void {
  const x0 = Math.max(clip.x0, r.x0), x1 = Math.min(clip.x1, r.x1);
  const y0 = Math.max(clip.y0, r.y0), y1 = Math.min(clip.y1, r.y1);
  if (x0 >= x1 || y0 >= y1) return;
  const p = c.pixels;
  for (let y = y0; y < y1; y++) p.fill(color, y * c.stride + x0, y * c.stride + x1);
}

/** A one-pixel outline just inside `r`. */
export function frameRect(c: Canvas, clip: Box, r: Box, color: number): void {
  fill(c, clip, { x0: r.x0, y0: r.y0, x1: r.x1, y1: r.y0 + 1 }, color);
  fill(c, clip, { x0: r.x0, y0: r.y1 - 1, x1: r.x1, y1: r.y1 }, color);
  fill(c, clip, { x0: r.x0, y0: r.y0, x1: r.x0 + 1, y1: r.y1 }, color);
  fill(c, clip, { x0: r.x1 - 1, y0: r.y0, x1: r.x1, y1: r.y1 }, color);
}

/** Width in pixels of `n` characters at `scale`. */
export function textWidth(n: number, scale: number): number {
  return n * CELL_W * scale;
}

/**
 * Draws `text` (one line, character codes through the font) with its first cell's top-left
 * at (x, y); only the glyph pixels are set, the caller paints the background.
 */
export function drawText(c: Canvas, clip: Box, x: number, y: number, text: string, scale: number, color: number): void {
  const cw = CELL_W * scale;
  if (y >= clip.y1 || y + CELL_H * scale <= clip.y0) return;
  // Only the characters whose cells meet the clip.
  const first = Math.max(0, Math.floor((clip.x0 - x) / cw));
  const last = Math.min(text.length, Math.ceil((clip.x1 - x) / cw));
  const p = c.pixels;
  for (let i = first; i < last; i++) {
    const code = text.charCodeAt(i);
    if (code === 32) continue;
    const gx = x + i * cw;
    for (let r = 0; r < GLYPH_ROWS; r++) {
      const m = glyphRow(code, r);
      if (m === 0) continue;
      const gy = y + (GLYPH_TOP + r) * scale;
      const y0 = Math.max(clip.y0, gy), y1 = Math.min(clip.y1, gy + scale);
      if (y0 >= y1) continue;
      for (let col = 0; col < GLYPH_COLS; col++) {
        if ((m & (1 << (GLYPH_COLS - 1 - col))) === 0) continue;
        const px = gx + col * scale;
        const x0 = Math.max(clip.x0, px), x1 = Math.min(clip.x1, px + scale);
        if (x0 >= x1) continue;
        for (let yy = y0; yy < y1; yy++) p.fill(color, yy * c.stride + x0, yy * c.stride + x1);
      }
    }
  }
}

/** `a` drawn over `b` with opacity `t` (0..1); both opaque RGB, result opaque. */
export function mix(b: number, a: number, t: number): number {
  const u = 1 - t;
  const r = ((b >>> 16) & 255) * u + ((a >>> 16) & 255) * t;
  const g = ((b >>> 8) & 255) * u + ((a >>> 8) & 255) * t;
  const bl = (b & 255) * u + (a & 255) * t;
  return (0xff000000 | (Math.round(r) << 16) | (Math.round(g) << 8) | Math.round(bl)) >>> 0;
}

/**
 * Blends a disc (`thickness` <= 0) or a ring of the given thickness, centred on the pixel
 * centre of (cx, cy), with one-pixel anti-aliased edges.
 */
export function blendCircle(c: Canvas, clip: Box, cx: number, cy: number, radius: number,
  thickness: number, color: number, alpha: number): void {
  if (alpha <= 0) return;
  const reach = Math.ceil(radius + 1);
  const x0 = Math.max(clip.x0, cx - reach), x1 = Math.min(clip.x1, cx + reach + 1);
  const y0 = Math.max(clip.y0, cy - reach), y1 = Math.min(clip.y1, cy + reach + 1);
  const inner = thickness > 0 ? radius - thickness : -1;
  const p = c.pixels;
  for (let y = y0; y < y1; y++) {
    const dy = y - cy;
    for (let x = x0; x < x1; x++) {
      const dx = x - cx;
      const d = Math.sqrt(dx * dx + dy * dy);
      // Coverage: inside the outer edge and (for rings) outside the inner one, 1 px ramps.
      let cov = Math.min(1, Math.max(0, radius + 0.5 - d));
      if (inner >= 0) cov = Math.min(cov, Math.max(0, d - inner + 0.5));
      if (cov <= 0) continue;
      const i = y * c.stride + x;
      p[i] = mix(p[i]!, color, cov * alpha);
    }
  }
}
