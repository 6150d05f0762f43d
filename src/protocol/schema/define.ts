/**
 * Message tables: for one channel and one direction, name -> [type, body].
 */
import type { Infer, StructType } from '../wire/types.js';
import { struct } from '../wire/types.js';

export type MessageSpecs = { readonly [name: string]: readonly [number, StructType<unknown>] };

/** Typed message of a table: `{ name: 'init', body: {...} }`, a discriminated union on `name`. */
export type MessageOf<S extends MessageSpecs> = {
  [K in keyof S & string]: { name: K; body: Infer<S[K][1]> };
}[keyof S & string];

export interface MessageEntry {
  readonly type: number;
  readonly name: string;
  readonly body: StructType<unknown>;
}

export interface MessageTable<S extends MessageSpecs = MessageSpecs> {
  readonly specs: S;
  readonly byType: ReadonlyMap<number, MessageEntry>;
  readonly byName: ReadonlyMap<string, MessageEntry>;
}

export function table<const S extends MessageSpecs>(specs: S): MessageTable<S> {
  const byType = new Map<number, MessageEntry>();
  const byName = new Map<string, MessageEntry>();
  for (const [name, [type, body]] of Object.entries(specs)) {
    if (byType.has(type)) throw new Error(`schema: message type ${type} defined twice (${name}, ${byType.get(type)!.name})`);
    const e = { type, name, body };
    byType.set(type, e);
    byName.set(name, e);
  }
  return { specs, byType, byName };
}

/** A message with no body. */
export const Empty = struct('Empty', {});
