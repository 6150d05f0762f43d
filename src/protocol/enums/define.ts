/**
 * Enums and flag sets as data: a frozen object of NAME -> value, plus the
 * metadata needed to print names (`enumName`, `flagNames`).
 */

const META = Symbol.for('spice-ts.enum');

export interface EnumMeta {
  readonly name: string;
  readonly flags: boolean;
  readonly byValue: ReadonlyMap<number, string>;
}

export type EnumDef = { readonly [k: string]: number } & { readonly [META]?: EnumMeta };

/** An enumeration: each name has one value. */
export function enumOf<const V extends Record<string, number>>(name: string, values: V): Readonly<V> {
  return define(name, values, false);
}

/** A flag set: each name is one bit value (1 << n). */
export function flagsOf<const V extends Record<string, number>>(name: string, values: V): Readonly<V> {
  return define(name, values, true);
}

function define<V extends Record<string, number>>(name: string, values: V, flags: boolean): Readonly<V> {
  const byValue = new Map<number, string>();
  for (const [k, v] of Object.entries(values)) if (!byValue.has(v)) byValue.set(v, k);
  const obj = { ...values };
  Object.defineProperty(obj, META, { value: Object.freeze({ name, flags, byValue }), enumerable: false });
  return Object.freeze(obj);
}

export function enumMeta(e: EnumDef): EnumMeta | undefined {
  return (e as { [META]?: EnumMeta })[META];
}

/** NAME for a value, or the number as text when it is not one of the enum's. */
export function enumName(e: EnumDef, v: number): string {
  return enumMeta(e)?.byValue.get(v) ?? String(v);
}

/** Names of the bits set in `v`; unknown bits are shown as hex. */
export function flagNames(e: EnumDef, v: number): string[] {
  const out: string[] = [];
  let rest = v >>> 0;
  for (const [val, n] of enumMeta(e)?.byValue ?? []) {
    if (val !== 0 && (rest & val) === val) { out.push(n); rest = (rest & ~val) >>> 0; }
  }
  if (rest) out.push(`0x${rest.toString(16)}`);
  return out;
}

/** Bit set of capability numbers -> list of u32 words (cap n = bit n%32 of word n/32). */
export function capsToWords(caps: Iterable<number>): number[] {
  const words: number[] = [];
  for (const c of caps) {
    const w = c >>> 5;
    while (words.length <= w) words.push(0);
    words[w] = (words[w]! | (1 << (c & 31))) >>> 0;
  }
  return words;
}

/** List of u32 words -> the capability numbers set in them. */
export function wordsToCaps(words: ArrayLike<number>): number[] {
  const caps: number[] = [];
  for (let w = 0; w < words.length; w++) {
    const word = words[w]! >>> 0;
    for (let b = 0; b < 32; b++) if (word & (1 << b)) caps.push(w * 32 + b);
  }
  return caps;
}
