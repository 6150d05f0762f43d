/**
 * Is a rectangle photo-like (smooth gradients: QUIC wins) or drawn (flat areas and sharp
 * edges: the LZ family wins)? Samples up to SAMPLE_ROWS rows and looks at the step between
 * horizontal neighbours: equal, gradual (every channel within GRADUAL) or sharp.
 */
import type { EncodeSource } from '../../codecs/encode/types.js';

const SAMPLE_ROWS = 24;
const GRADUAL = 24;
/** Rectangles smaller than this are never treated as photos (QUIC's start-up cost). */
export const MIN_PHOTO_PIXELS = 48 * 48;

/**
 * The counts of equal, gradual and sharp steps, kept in memory rather than in locals: V8
 * compiles the sampling loop while it runs (OSR), before the code after the loop has ever
 * run, and that code, lacking type feedback, threw the compiled loop away on every call.
 */
const steps = new Int32Array(3);
const EQUAL = 0, GRADUAL_STEPS = 1, SHARP = 2;

export function looksPhotographic(s: EncodeSource): boolean {
  if (s.width * s.height < MIN_PHOTO_PIXELS || s.width < 8) return false;
  countSteps(s);
  const equal = steps[EQUAL]!, gradual = steps[GRADUAL_STEPS]!, sharp = steps[SHARP]!;
  const total = equal + gradual + sharp;
  // Photos: most steps are small non-zero changes; drawings are mostly flat runs and edges.
  return gradual > total * 0.4 && gradual > sharp * 3;
}

function countSteps(s: EncodeSource): void {
  const p = s.pixels;
  const rows = Math.min(SAMPLE_ROWS, s.height);
  const stepY = s.height / rows;
  // Look at every pixel of wide rows but at most ~512 pairs per row.
  const stepX = Math.max(1, Math.floor(s.width / 512));
  steps.fill(0);
  for (let r = 0; r < rows; r++) {
    const row = (s.y + Math.floor(r * stepY)) * s.stride + s.x;
    for (let x = 0; x + 1 < s.width; x += stepX) {
      const a = p[row + x]!, b = p[row + x + 1]!;
      if (((a ^ b) & 0xffffff) === 0) { steps[EQUAL]++; continue; }
      const dr = Math.abs(((a >>> 16) & 255) - ((b >>> 16) & 255));
      const dg = Math.abs(((a >>> 8) & 255) - ((b >>> 8) & 255));
      const db = Math.abs((a & 255) - (b & 255));
      if (dr <= GRADUAL && dg <= GRADUAL && db <= GRADUAL) steps[GRADUAL_STEPS]++;
      else steps[SHARP]++;
    }
  }
}
