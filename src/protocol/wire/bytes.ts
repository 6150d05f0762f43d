/**
 * A growable little-endian byte writer. One instance can be reused across
 * messages (`reset()`); `finish()` returns a copy the caller owns.
 */
export class ByteWriter {
  private buf: Uint8Array;
  private dv: DataView;
  pos = 0;

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
    this.dv = new DataView(this.buf.buffer);
  }

  reset(): this {
    this.pos = 0;
    return this;
  }

  private ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.dv = new DataView(next.buffer);
  }

  u8(v: number): this { this.ensure(1); this.dv.setUint8(this.pos, v); this.pos += 1; return this; }
  u16(v: number): this { this.ensure(2); this.dv.setUint16(this.pos, v, true); this.pos += 2; return this; }
  u32(v: number): this { this.ensure(4); this.dv.setUint32(this.pos, v >>> 0, true); this.pos += 4; return this; }
  i8(v: number): this { this.ensure(1); this.dv.setInt8(this.pos, v); this.pos += 1; return this; }
  i16(v: number): this { this.ensure(2); this.dv.setInt16(this.pos, v, true); this.pos += 2; return this; }
  i32(v: number): this { this.ensure(4); this.dv.setInt32(this.pos, v, true); this.pos += 4; return this; }
  u64(v: bigint): this { this.ensure(8); this.dv.setBigUint64(this.pos, v, true); this.pos += 8; return this; }
  i64(v: bigint): this { this.ensure(8); this.dv.setBigInt64(this.pos, v, true); this.pos += 8; return this; }
  u32be(v: number): this { this.ensure(4); this.dv.setUint32(this.pos, v >>> 0, false); this.pos += 4; return this; }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  zeros(n: number): this {
    this.ensure(n);
    this.buf.fill(0, this.pos, this.pos + n);
    this.pos += n;
    return this;
  }

  /** Overwrites a u32 already written at `at`. */
  patchU32(at: number, v: number): void {
    this.dv.setUint32(at, v >>> 0, true);
  }

  /** A view of what has been written (valid until the next write or reset). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  /** A copy of what has been written. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

/** Concatenates byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += b[i]!.toString(16).padStart(2, '0');
  return s;
}

export function fromHex(h: string): Uint8Array {
  const clean = h.replace(/[\s:]/g, '');
  const out = new Uint8Array(clean.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}
