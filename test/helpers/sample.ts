/**
 * Builds valid random values for any schema type, so every message of every
 * channel can be round-tripped: length fields agree with their arrays, switch
 * selectors pick each case in turn, image sizes match their dimensions.
 */
import { REST, type AnyType, type CaseMatch, type StructType, type SwitchDef } from '../../src/protocol/wire/types.js';
import { enumMeta } from '../../src/protocol/enums/define.js';
import { caseMatches } from '../../src/protocol/wire/codec.js';

/** A small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Hints = Map<string, () => number>;

interface Ctx {
  rand: () => number;
  /** Which case of each switch to take (index into the cases), by switch id. */
  pick: number;
}

function int(ctx: Ctx, lo: number, hi: number): number {
  return lo + Math.floor(ctx.rand() * (hi - lo + 1));
}

function valueFor(m: CaseMatch, ctx: Ctx): number {
  if ('is' in m) return m.is[int(ctx, 0, m.is.length - 1)]!;
  if ('has' in m) return m.has;
  if ('lacks' in m) return 0;
  if ('isNot' in m) return m.isNot.includes(1) ? 2 : 1;
  return 0;
}

function lenFields(t: StructType<unknown>): Map<string, AnyType> {
  // field name -> the array/bytes type whose length it gives (direct siblings, or through a pointer)
  const m = new Map<string, AnyType>();
  const visit = (ty: AnyType | SwitchDef<unknown>) => {
    if (ty.kind === 'switch') { ty.cases.forEach((c) => visit(c.type)); return; }
    if (ty.kind === 'ptr') { visit(ty.target); return; }
    if ((ty.kind === 'array' || ty.kind === 'bytes') && typeof ty.len === 'string') m.set(ty.len, ty);
    if ((ty.kind === 'array' || ty.kind === 'bytes') && typeof ty.len === 'object') {
      for (const dim of ty.len.imageSize.slice(1) as string[]) m.set(dim, ty);
    }
  };
  t.fields.forEach((f) => visit(f.type));
  return m;
}

function primValue(p: AnyType & { kind: 'prim' }, ctx: Ctx): number | bigint {
  const e = p.enumDef ? enumMeta(p.enumDef) : undefined;
  if (e && !e.flags && e.byValue.size > 0 && ctx.rand() < 0.8) {
    const vals = [...e.byValue.keys()];
    return vals[int(ctx, 0, vals.length - 1)]!;
  }
  switch (p.prim) {
    case 'u8': return int(ctx, 0, 0xff);
    case 'u16': return int(ctx, 0, 0xffff);
    case 'u32': return int(ctx, 0, 0xffffffff);
    case 'i8': return int(ctx, -0x80, 0x7f);
    case 'i16': return int(ctx, -0x8000, 0x7fff);
    case 'i32': return int(ctx, -0x80000000, 0x7fffffff);
    case 'u64': return BigInt(int(ctx, 0, 0xffffffff)) * 0x100000000n + BigInt(int(ctx, 0, 0xffffffff));
    case 'i64': return BigInt(int(ctx, -0x7fffffff, 0x7fffffff)) * 0x100000000n;
    case 'fd': return -1;
  }
}

function gen(t: AnyType, ctx: Ctx, hints: Hints, scope: Record<string, unknown>, path: string): unknown {
  switch (t.kind) {
    case 'prim': {
      const h = hints.get(path);
      return h ? h() : primValue(t, ctx);
    }
    case 'bytes':
    case 'array': {
      let n: number;
      if (t.len === REST) n = int(ctx, 0, 5);
      else if (typeof t.len === 'number') n = t.len;
      else if (typeof t.len === 'string') n = Number(scope[t.len]);
      else {
        const [bpp, w, h] = t.len.imageSize;
        n = Math.ceil((bpp * Number(scope[w])) / 8) * Number(scope[h]);
      }
      if (t.kind === 'bytes') {
        const b = new Uint8Array(n);
        for (let i = 0; i < n; i++) b[i] = int(ctx, 0, 255);
        return b;
      }
      // A REST array of elements: only what fits is read back, so keep it whole.
      return Array.from({ length: n }, () => gen(t.elem, ctx, new Map(), scope, ''));
    }
    case 'ptr':
      return gen(t.target, ctx, hints, scope, path);
    case 'struct':
      return genStruct(t, ctx, hints, path);
    case 'custom':
      throw new Error('no sample for custom types');
  }
}

/** Generates a struct; `pick` chooses which case each switch takes. */
function genStruct(t: StructType<unknown>, ctx: Ctx, outer: Hints, path: string): Record<string, unknown> {
  const obj: Record<string, unknown> = {};
  const hints: Hints = new Map();
  // hints handed down from the enclosing struct (dotted selectors)
  for (const [p, h] of outer) if (path && p.startsWith(path + '.')) hints.set(p.slice(path.length + 1), h);
  // length fields: small counts
  for (const [name, ty] of lenFields(t)) {
    hints.set(name, () => int(ctx, 0, ty.kind === 'bytes' ? 9 : 3));
  }
  // switch selectors: choose a case deterministically from `pick`
  for (const f of t.fields) {
    if (f.type.kind !== 'switch') continue;
    const cases = f.type.cases;
    const c = cases[ctx.pick % cases.length]!;
    const sel = f.type.selector;
    const prev = hints.get(sel);
    const v = valueFor(c.match, ctx);
    // two switches on one flag field: OR their wishes together
    hints.set(sel, prev ? ((p) => () => p() | v)(prev) : () => v);
  }
  const sub = new Map<string, () => number>();
  for (const [p, h] of hints) sub.set(p, h);
  for (const f of t.fields) {
    if (f.type.kind === 'switch') {
      const sel = Number(resolvePath(obj, f.type.selector));
      const c = f.type.cases.find((cc) => caseMatches(cc.match, sel));
      if (c) obj[c.prop] = gen(c.type, ctx, new Map(), obj, '');
      continue;
    }
    const nested = new Map<string, () => number>();
    for (const [p, h] of sub) if (p.startsWith(f.name + '.')) nested.set(p, h);
    if (f.type.kind === 'struct') obj[f.name] = genStruct(f.type, ctx, nested, f.name);
    else obj[f.name] = gen(f.type, ctx, sub, obj, f.name);
  }
  return obj;
}

function resolvePath(o: Record<string, unknown>, p: string): unknown {
  return p.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)?.[k], o);
}


/** A valid value of `t`; `variant` walks the switch cases. */
export function sample(t: StructType<unknown>, seed: number, variant = 0): Record<string, unknown> {
  return genStruct(t, { rand: rng(seed), pick: variant }, new Map(), '');
}

/** How many variants are worth generating to visit every switch case. */
export function variantsOf(t: StructType<unknown>): number {
  let n = 1;
  const visit = (ty: AnyType | SwitchDef<unknown>, depth: number) => {
    if (depth > 6) return;
    if (ty.kind === 'switch') { n = Math.max(n, ty.cases.length); ty.cases.forEach((c) => visit(c.type, depth + 1)); return; }
    if (ty.kind === 'ptr') visit(ty.target, depth + 1);
    if (ty.kind === 'array') visit(ty.elem, depth + 1);
    if (ty.kind === 'struct') ty.fields.forEach((f) => visit(f.type, depth + 1));
  };
  visit(t, 0);
  return n;
}
