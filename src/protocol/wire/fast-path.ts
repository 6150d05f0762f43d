/**
 * Hand-written writers for a few hot message bodies, which encodeInto (codec.ts) uses in
 * place of the schema walk. A writer returns false, or throws, when the value is not one
 * it writes exactly as the schema walk would; encodeInto then rewinds and walks the
 * schema, which also produces the usual errors. So a writer changes speed, never bytes.
 */
import type { ByteWriter } from './bytes.js';
import type { StructType } from './types.js';

export type FastWriter = (value: unknown, w: ByteWriter) => boolean;

const writers = new WeakMap<StructType<unknown>, FastWriter>();
let enabled = true;

/** Registers the writer for values of `t` (message bodies: encodeInto's top level). */
export function setFastWriter(t: StructType<unknown>, f: FastWriter): void {
  writers.set(t, f);
}

/** The writer for `t`, if one is registered and fast paths are on. */
export function fastWriter(t: StructType<unknown>): FastWriter | undefined {
  return enabled ? writers.get(t) : undefined;
}

/** Turns every fast path off or on (tests compare both; benches measure both). */
export function setFastPathsEnabled(on: boolean): void {
  enabled = on;
}
