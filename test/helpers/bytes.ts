/**
 * Test byte builder, independent of the code under test: little-endian
 * fields written with plain arithmetic.
 */
export class B {
  private out: number[] = [];
  u8(v: number): this { this.out.push(v & 0xff); return this; }
  u16(v: number): this { return this.u8(v).u8(v >>> 8); }
  u32(v: number): this { return this.u16(v & 0xffff).u16((v >>> 16) & 0xffff); }
  i32(v: number): this { return this.u32(v >>> 0); }
  u64(v: bigint): this { return this.u32(Number(v & 0xffffffffn)).u32(Number((v >> 32n) & 0xffffffffn)); }
  bytes(b: ArrayLike<number>): this { for (let i = 0; i < b.length; i++) this.u8(b[i]!); return this; }
  str(s: string): this { return this.bytes([...s].map((c) => c.charCodeAt(0))); }
  zeros(n: number): this { for (let i = 0; i < n; i++) this.u8(0); return this; }
  rect(top: number, left: number, bottom: number, right: number): this { return this.i32(top).i32(left).i32(bottom).i32(right); }
  get length(): number { return this.out.length; }
  build(): Uint8Array { return Uint8Array.from(this.out); }
}

export const b = () => new B();

/** A mini-header message: type:u16 size:u32 body. */
export function mini(type: number, body: Uint8Array): Uint8Array {
  return new B().u16(type).u32(body.length).bytes(body).build();
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
