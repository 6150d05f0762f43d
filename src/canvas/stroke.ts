/**
 * Stroke rasterization (DRAW_STROKE): turns a SPICE path and line attributes
 * into horizontal pixel spans, the way the reference canvas draws them.
 * (Interface placeholder; the implementation replaces the body.)
 */
import type { Infer } from '../protocol/wire/types.js';
import type { Path, LineAttr } from '../protocol/schema/structs.js';
import { ErrorCode, SpiceError } from '../protocol/errors.js';

export type StrokePath = Infer<typeof Path>;
export type StrokeAttr = Infer<typeof LineAttr>;

/**
 * Receives one run of pixels [x0, x1) on row y. `foreground` is false for the
 * gaps of a dashed line (drawn with the back brush/mode), true otherwise.
 */
export type SpanSink = (y: number, x0: number, x1: number, foreground: boolean) => void;

/** Emits the spans of `path` stroked with `attr`, clipped to [0,width)x[0,height). */
export function rasterizeStroke(path: StrokePath, attr: StrokeAttr, width: number, height: number, emit: SpanSink): void {
  void path; void attr; void width; void height; void emit;
  throw new SpiceError(ErrorCode.UNSUPPORTED, 'DRAW_STROKE is not implemented yet');
}
