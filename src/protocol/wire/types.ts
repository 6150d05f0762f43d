/**
 * The vocabulary the protocol schema is written in.
 *
 * A schema entry is plain data (a tree of the types below); `codec.ts` walks it
 * to read and write bytes, and the TypeScript types of decoded values are
 * inferred from it (`Infer<T>`), so a message is described exactly once.
 *
 * Wire rules (SPICE protocol 2): little-endian, packed, fields in declaration
 * order; a pointer is a u32 offset from the start of the message body (0 =
 * NULL) whose target is laid out after the fixed part; a switch occupies only
 * the bytes of the selected case.
 */
import type { EnumDef } from '../enums/define.js';

export type PrimName = 'u8' | 'u16' | 'u32' | 'u64' | 'i8' | 'i16' | 'i32' | 'i64' | 'fd';

/** Phantom-typed base: `__v` only carries the decoded value's type. */
interface TypeBase<V> {
  readonly kind: string;
  readonly __v?: V;
}

export interface PrimType<V> extends TypeBase<V> {
  readonly kind: 'prim';
  readonly prim: PrimName;
  readonly size: number;
  /** Enum or flag set the value belongs to (for names in dumps; values outside it still decode). */
  readonly enumDef?: EnumDef;
}

/**
 * How many elements an array has:
 * - a number: fixed;
 * - a string: the value of an earlier sibling field (dotted paths reach into sibling structs);
 * - `REST`: everything up to the end of the message body;
 * - `{ imageSize: [bpp, widthField, heightField] }`: ceil(bpp * width / 8) * height bytes.
 */
export type Len = number | string | typeof REST | { readonly imageSize: readonly [number, string, string] };
export const REST = Symbol('rest-of-message');

export interface BytesType extends TypeBase<Uint8Array> {
  readonly kind: 'bytes';
  readonly len: Len;
}

export interface ArrayType<E> extends TypeBase<E[]> {
  readonly kind: 'array';
  readonly elem: AnyType;
  readonly len: Len;
}

export interface PtrType<V> extends TypeBase<V | null> {
  readonly kind: 'ptr';
  readonly target: AnyType;
  /** A NULL offset is a protocol error. */
  readonly nonNull: boolean;
}

/** What a switch case matches against its selector. */
export type CaseMatch =
  | { readonly is: readonly number[] }
  | { readonly isNot: readonly number[] }
  | { readonly has: number }
  | { readonly lacks: number }
  | { readonly otherwise: true };

export interface SwitchCase {
  readonly prop: string;
  readonly match: CaseMatch;
  readonly type: AnyType;
}

/** A switch: exactly one (or no) case is on the wire, chosen by an earlier field. */
export interface SwitchDef<C> {
  readonly kind: 'switch';
  readonly selector: string;
  readonly cases: readonly SwitchCase[];
  readonly __c?: C;
}

export interface StructField {
  readonly name: string;
  readonly type: AnyType | SwitchDef<unknown>;
}

export interface StructType<V> extends TypeBase<V> {
  readonly kind: 'struct';
  readonly name: string;
  readonly fields: readonly StructField[];
}

/** Escape hatch for layouts the vocabulary cannot say. */
export interface CustomType<V> extends TypeBase<V> {
  readonly kind: 'custom';
  readonly name: string;
  readonly minSize: number;
  read(r: import('./codec.js').Reader): V;
  write(w: import('./bytes.js').ByteWriter, v: V): void;
}

export type AnyType =
  | PrimType<number>
  | PrimType<bigint>
  | BytesType
  | ArrayType<unknown>
  | PtrType<unknown>
  | StructType<unknown>
  | CustomType<unknown>;

// ---------------------------------------------------------------- inference

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

export type Infer<T> = T extends TypeBase<infer V> ? V : never;

type FieldSpec = TypeBase<unknown> | SwitchDef<unknown>;
type Fields = Record<string, FieldSpec>;

type PlainKeys<F extends Fields> = { [K in keyof F]: F[K] extends SwitchDef<unknown> ? never : K }[keyof F];
type SwitchProps<F extends Fields> = UnionToIntersection<
  { [K in keyof F]: F[K] extends SwitchDef<infer C> ? { [P in keyof C]?: C[P] } : never }[keyof F]
>;
export type StructValue<F extends Fields> = Simplify<
  { [K in PlainKeys<F>]: Infer<F[K]> } & ([SwitchProps<F>] extends [never] ? unknown : SwitchProps<F>)
>;

// ---------------------------------------------------------------- builders

function prim<V>(p: PrimName, size: number, enumDef?: EnumDef): PrimType<V> {
  return Object.freeze({ kind: 'prim', prim: p, size, enumDef }) as PrimType<V>;
}

export const u8 = prim<number>('u8', 1);
export const u16 = prim<number>('u16', 2);
export const u32 = prim<number>('u32', 4);
export const i8 = prim<number>('i8', 1);
export const i16 = prim<number>('i16', 2);
export const i32 = prim<number>('i32', 4);
export const u64 = prim<bigint>('u64', 8);
export const i64 = prim<bigint>('i64', 8);
/** A UNIX file descriptor passed beside the message: no bytes on the wire. */
export const fd = prim<number>('fd', 0);

/** An 8/16/32-bit field holding a value of an enum or flag set. */
export const e8 = (e: EnumDef) => prim<number>('u8', 1, e);
export const e16 = (e: EnumDef) => prim<number>('u16', 2, e);
export const e32 = (e: EnumDef) => prim<number>('u32', 4, e);

export function bytes(len: Len): BytesType {
  return Object.freeze({ kind: 'bytes', len });
}

export function array<T extends AnyType>(elem: T, len: Len): ArrayType<Infer<T>> {
  return Object.freeze({ kind: 'array', elem, len }) as ArrayType<Infer<T>>;
}

export function ptr<T extends AnyType>(target: T, opts: { nonNull?: boolean } = {}): PtrType<Infer<T>> {
  return Object.freeze({ kind: 'ptr', target, nonNull: opts.nonNull ?? false }) as PtrType<Infer<T>>;
}

export function struct<const F extends Fields>(name: string, fields: F): StructType<StructValue<F>> {
  const list: StructField[] = Object.entries(fields).map(([n, t]) => ({ name: n, type: t as AnyType }));
  return Object.freeze({ kind: 'struct', name, fields: Object.freeze(list) }) as StructType<StructValue<F>>;
}

type CaseSpecs = Record<string, readonly [CaseMatch, AnyType]>;

/**
 * A switch on an earlier field: `sw('type', { color: [is(SOLID), u32], pattern: [is(PATTERN), Pattern] })`.
 * The selected case appears in the decoded value under its own property name.
 */
export function sw<const C extends CaseSpecs>(
  selector: string,
  cases: C,
): SwitchDef<{ [P in keyof C]: Infer<C[P][1]> }> {
  const list: SwitchCase[] = Object.entries(cases).map(([prop, [match, type]]) => ({ prop, match, type }));
  return Object.freeze({ kind: 'switch', selector, cases: Object.freeze(list) }) as SwitchDef<{ [P in keyof C]: Infer<C[P][1]> }>;
}

export const is = (...values: number[]): CaseMatch => ({ is: values });
export const isNot = (...values: number[]): CaseMatch => ({ isNot: values });
export const has = (flag: number): CaseMatch => ({ has: flag });
export const lacks = (flag: number): CaseMatch => ({ lacks: flag });
export const otherwise: CaseMatch = { otherwise: true };

export function custom<V>(def: Omit<CustomType<V>, 'kind' | '__v'>): CustomType<V> {
  return Object.freeze({ kind: 'custom', ...def }) as CustomType<V>;
}

/** The fewest bytes a value of this type can take on the wire (for early bounds checks). */
export function minSize(t: AnyType | SwitchDef<unknown>): number {
  switch (t.kind) {
    case 'prim': return t.size;
    case 'bytes': return typeof t.len === 'number' ? t.len : 0;
    case 'array': return typeof t.len === 'number' ? t.len * minSize(t.elem) : 0;
    case 'ptr': return 4;
    case 'struct': return t.fields.reduce((n, f) => n + minSize(f.type), 0);
    case 'switch': return 0;
    case 'custom': return t.minSize;
  }
}
