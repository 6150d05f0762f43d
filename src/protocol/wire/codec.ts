/**
 * The one reader and the one writer that follow the schema (see types.ts).
 *
 * Reading never trusts a length: every count is checked against the bytes
 * that remain before anything is allocated, every pointer against the body.
 * Byte arrays are returned as views into the body they were read from.
 */
import { ErrorCode, SpiceError } from '../errors.js';
import { ByteWriter } from './bytes.js';
import { REST, minSize } from './types.js';
import { fastWriter } from './fast-path.js';
import type { AnyType, CaseMatch, Len, StructType, SwitchDef, Infer } from './types.js';

export interface CodecLimits {
  /** Largest element count accepted for arrays whose elements may take 0 bytes. Default 1 << 20. */
  maxArrayLength?: number;
}

type Scope = Record<string, unknown>;

/** A bounded little-endian cursor over one message body. */
export class Reader {
  readonly dv: DataView;
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
    readonly end: number,
    /** Where pointer offsets count from (the start of the message body). */
    readonly base: number,
    readonly limits: CodecLimits = {},
  ) {
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  need(n: number, what: string): void {
    if (n > this.end - this.pos) {
      throw new SpiceError(ErrorCode.TRUNCATED, `${what}: needs ${n} bytes, ${this.end - this.pos} left`);
    }
  }

  u8(): number { this.need(1, 'u8'); return this.dv.getUint8(this.pos++); }
  u16(): number { this.need(2, 'u16'); const v = this.dv.getUint16(this.pos, true); this.pos += 2; return v; }
  u32(): number { this.need(4, 'u32'); const v = this.dv.getUint32(this.pos, true); this.pos += 4; return v; }
  i8(): number { this.need(1, 'i8'); return this.dv.getInt8(this.pos++); }
  i16(): number { this.need(2, 'i16'); const v = this.dv.getInt16(this.pos, true); this.pos += 2; return v; }
  i32(): number { this.need(4, 'i32'); const v = this.dv.getInt32(this.pos, true); this.pos += 4; return v; }
  u64(): bigint { this.need(8, 'u64'); const v = this.dv.getBigUint64(this.pos, true); this.pos += 8; return v; }
  i64(): bigint { this.need(8, 'i64'); const v = this.dv.getBigInt64(this.pos, true); this.pos += 8; return v; }
  bytes(n: number): Uint8Array {
    this.need(n, 'bytes');
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  rest(): Uint8Array {
    return this.bytes(this.end - this.pos);
  }

  /** A reader positioned at a pointer target (offset from the body start). */
  at(offset: number): Reader {
    if (offset >= this.end - this.base) {
      throw new SpiceError(ErrorCode.BAD_POINTER, `pointer ${offset} is outside the ${this.end - this.base}-byte body`);
    }
    return new Reader(this.buf, this.base + offset, this.end, this.base, this.limits);
  }
}

function resolve(scope: Scope, path: string): unknown {
  let v: unknown = scope;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Scope)[part];
  }
  return v;
}

function numberAt(scope: Scope, path: string): number {
  const v = resolve(scope, path);
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  throw new SpiceError(ErrorCode.ENCODE, `length field '${path}' is missing`);
}

function lengthOf(len: Exclude<Len, typeof REST>, scope: Scope): number {
  if (typeof len === 'number') return len;
  if (typeof len === 'string') return numberAt(scope, len);
  const [bpp, w, h] = len.imageSize;
  return Math.ceil((bpp * numberAt(scope, w)) / 8) * numberAt(scope, h);
}

/** Whether switch case `m` is selected by the value `sel`. */
export function caseMatches(m: CaseMatch, sel: number): boolean {
  if ('is' in m) return m.is.includes(sel);
  if ('isNot' in m) return !m.isNot.includes(sel);
  if ('has' in m) return (sel & m.has) !== 0;
  if ('lacks' in m) return (sel & m.lacks) === 0;
  return true;
}

function selectCase(sw: SwitchDef<unknown>, scope: Scope) {
  const sel = numberAt(scope, sw.selector);
  return sw.cases.find((c) => caseMatches(c.match, sel));
}

// ------------------------------------------------------------------ reading

function readStruct(t: StructType<unknown>, r: Reader): Scope {
  const obj: Scope = {};
  for (const f of t.fields) {
    if (f.type.kind === 'switch') {
      const c = selectCase(f.type, obj);
      if (c) obj[c.prop] = readValue(c.type, r, obj);
    } else {
      obj[f.name] = readValue(f.type, r, obj);
    }
  }
  return obj;
}

function readCount(len: Len, r: Reader, scope: Scope, elemSize: number, what: string): number {
  if (len === REST) return elemSize > 0 ? Math.floor(r.remaining / elemSize) : -1;
  const n = lengthOf(len, scope);
  if (!Number.isSafeInteger(n) || n < 0) throw new SpiceError(ErrorCode.INCONSISTENT, `${what}: bad length ${n}`);
  if (elemSize > 0) r.need(n * elemSize, what);
  else if (n > (r.limits.maxArrayLength ?? 1 << 20)) throw new SpiceError(ErrorCode.LIMIT, `${what}: ${n} elements is over the limit`);
  return n;
}

export function readValue(t: AnyType, r: Reader, scope: Scope): unknown {
  switch (t.kind) {
    case 'prim':
      switch (t.prim) {
        case 'u8': return r.u8();
        case 'u16': return r.u16();
        case 'u32': return r.u32();
        case 'i8': return r.i8();
        case 'i16': return r.i16();
        case 'i32': return r.i32();
        case 'u64': return r.u64();
        case 'i64': return r.i64();
        case 'fd': return -1;
      }
      break;
    case 'bytes': {
      if (t.len === REST) return r.rest();
      return r.bytes(readCount(t.len, r, scope, 1, 'byte array'));
    }
    case 'array': {
      const esize = minSize(t.elem);
      const out: unknown[] = [];
      if (t.len === REST) {
        while (r.remaining > 0) {
          const before = r.pos;
          out.push(readValue(t.elem, r, scope));
          if (r.pos === before) break;
        }
        return out;
      }
      const n = readCount(t.len, r, scope, esize, `array of ${t.elem.kind === 'struct' ? t.elem.name : t.elem.kind}`);
      for (let i = 0; i < n; i++) out.push(readValue(t.elem, r, scope));
      return out;
    }
    case 'ptr': {
      const off = r.u32();
      if (off === 0) {
        if (t.nonNull) throw new SpiceError(ErrorCode.BAD_POINTER, 'NULL pointer where a value is required');
        return null;
      }
      return readValue(t.target, r.at(off), scope);
    }
    case 'struct':
      return readStruct(t, r);
    case 'custom':
      return t.read(r);
  }
  throw new Error('unreachable');
}

/**
 * Decodes `body` (one message body; pointers count from its start) as `t`.
 * Bytes after the decoded fields are ignored, as the reference demarshallers do.
 */
export function decode<T extends StructType<unknown>>(t: T, body: Uint8Array, limits?: CodecLimits): Infer<T> {
  const r = new Reader(body, 0, body.length, 0, limits);
  return readStruct(t, r) as Infer<T>;
}

/** Like `decode`, also telling how many bytes the fixed (non-pointer) part used. */
export function decodeWithSize<T extends StructType<unknown>>(t: T, body: Uint8Array, limits?: CodecLimits): { value: Infer<T>; size: number } {
  const r = new Reader(body, 0, body.length, 0, limits);
  const value = readStruct(t, r) as Infer<T>;
  return { value, size: r.pos };
}

// ------------------------------------------------------------------ writing

interface Pending {
  at: number;
  type: AnyType;
  value: unknown;
  scope: Scope;
}

function bad(msg: string): never {
  throw new SpiceError(ErrorCode.ENCODE, msg);
}

const RANGES: Record<string, [number, number]> = {
  u8: [0, 0xff], u16: [0, 0xffff], u32: [0, 0xffffffff],
  i8: [-0x80, 0x7f], i16: [-0x8000, 0x7fff], i32: [-0x80000000, 0x7fffffff],
};

function writeValue(t: AnyType, v: unknown, w: ByteWriter, scope: Scope, queue: Pending[], name: string): void {
  switch (t.kind) {
    case 'prim': {
      if (t.prim === 'fd') return;
      if (t.prim === 'u64' || t.prim === 'i64') {
        if (typeof v !== 'bigint') bad(`${name}: expected a bigint, got ${typeof v}`);
        if (t.prim === 'u64') w.u64(BigInt.asUintN(64, v)); else w.i64(BigInt.asIntN(64, v));
        return;
      }
      const [lo, hi] = RANGES[t.prim]!;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) bad(`${name}: ${String(v)} is not a ${t.prim}`);
      w[t.prim](v);
      return;
    }
    case 'bytes': {
      if (!(v instanceof Uint8Array)) bad(`${name}: expected a Uint8Array`);
      if (t.len !== REST) {
        const n = lengthOf(t.len, scope);
        if (n !== v.length) bad(`${name}: ${v.length} bytes given, the length field says ${n}`);
      }
      w.bytes(v);
      return;
    }
    case 'array': {
      if (!Array.isArray(v)) bad(`${name}: expected an array`);
      if (t.len !== REST) {
        const n = lengthOf(t.len, scope);
        if (n !== v.length) bad(`${name}: ${v.length} elements given, the length field says ${n}`);
      }
      for (let i = 0; i < v.length; i++) writeValue(t.elem, v[i], w, scope, queue, `${name}[${i}]`);
      return;
    }
    case 'ptr': {
      if (v === null || v === undefined) {
        if (t.nonNull) bad(`${name}: a value is required`);
        w.u32(0);
        return;
      }
      queue.push({ at: w.pos, type: t.target, value: v, scope });
      w.u32(0);
      return;
    }
    case 'struct': {
      if (v === null || typeof v !== 'object') bad(`${name}: expected an object for ${t.name}`);
      const obj = v as Scope;
      for (const f of t.fields) {
        if (f.type.kind === 'switch') {
          const c = selectCase(f.type, obj);
          if (c) {
            if (!(c.prop in obj)) bad(`${name}.${c.prop}: missing (selected by ${f.type.selector})`);
            writeValue(c.type, obj[c.prop], w, obj, queue, `${name}.${c.prop}`);
          }
        } else {
          if (!(f.name in obj)) bad(`${name}.${f.name}: missing`);
          writeValue(f.type, obj[f.name], w, obj, queue, `${name}.${f.name}`);
        }
      }
      return;
    }
    case 'custom':
      t.write(w, v as never);
      return;
  }
}

/**
 * Encodes `value` as `t` into `w` (from its current position, which is taken
 * as the body start). Pointer targets are laid out after the fixed part,
 * breadth first, in the order their pointers were written: the layout
 * spice-server's marshallers produce.
 */
export function encodeInto<T extends StructType<unknown>>(t: T, value: Infer<T>, w: ByteWriter): void {
  const base = w.pos;
  const fast = fastWriter(t);
  if (fast) {
    // A hand-written writer for this body (fast-path.ts); when it declines, the schema walk below.
    try { if (fast(value, w)) return; } catch { /* declined */ }
    w.pos = base;
  }
  const queue: Pending[] = [];
  writeValue(t, value, w, {}, queue, t.name);
  for (let i = 0; i < queue.length; i++) {
    const p = queue[i]!;
    w.patchU32(p.at, w.pos - base);
    writeValue(p.type, p.value, w, p.scope, queue, `${t.name}*`);
  }
}

export function encode<T extends StructType<unknown>>(t: T, value: Infer<T>): Uint8Array {
  const w = new ByteWriter();
  encodeInto(t, value, w);
  return w.finish();
}
