/**
 * Byte-stream reassembly and the two data headers.
 *
 *   mini header (6):  type:u16 size:u32                      (both sides have MINI_HEADER)
 *   full header (18): serial:u64 type:u16 size:u32 sub_list:u32
 *
 * `size` counts the body only. With mini headers serials are implicit: each
 * direction counts its messages from 1.
 */
import { ErrorCode, SpiceError } from '../errors.js';
import { ByteWriter } from './bytes.js';

export const MINI_HEADER_SIZE = 6;
export const FULL_HEADER_SIZE = 18;

/**
 * A FIFO of received chunks. `take(n)` returns a view when the bytes lie in
 * one chunk, and a fresh copy when they span chunks; received chunks are
 * never written to, so views stay valid.
 */
export class ByteQueue {
  private chunks: Uint8Array[] = [];
  private head = 0; // read offset in chunks[0]
  length = 0;

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** Copies out the first n bytes without consuming them (n <= length). */
  peek(n: number): Uint8Array {
    const first = this.chunks[0]!;
    if (first.length - this.head >= n) return first.subarray(this.head, this.head + n);
    const out = new Uint8Array(n);
    let o = 0;
    for (let i = 0; o < n; i++) {
      const c = this.chunks[i]!;
      const start = i === 0 ? this.head : 0;
      const m = Math.min(n - o, c.length - start);
      out.set(c.subarray(start, start + m), o);
      o += m;
    }
    return out;
  }

  take(n: number): Uint8Array {
    if (n > this.length) throw new RangeError(`take(${n}) with ${this.length} queued`);
    if (n === 0) return new Uint8Array(0);
    const out = this.peek(n);
    this.skip(n);
    return out;
  }

  skip(n: number): void {
    this.length -= n;
    while (n > 0) {
      const c = this.chunks[0]!;
      const avail = c.length - this.head;
      if (avail > n) { this.head += n; return; }
      n -= avail;
      this.chunks.shift();
      this.head = 0;
    }
  }

  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.length = 0;
  }
}

export interface Frame {
  /** Message serial (counted when the header has none). */
  serial: bigint;
  type: number;
  body: Uint8Array;
  /** Full header only: offset of a SubMessageList in the body, or 0. */
  subList: number;
}

export interface FramerOptions {
  /** Largest body accepted; a larger one is an ERR_OVERSIZED error. */
  maxMessageSize: number;
  mini: boolean;
}

/** Cuts a byte stream into frames. */
export class Framer {
  private serial = 0n;
  constructor(readonly opts: FramerOptions) {}

  /** The next complete frame in `q`, or undefined when more bytes are needed. */
  next(q: ByteQueue): Frame | undefined {
    const hsize = this.opts.mini ? MINI_HEADER_SIZE : FULL_HEADER_SIZE;
    if (q.length < hsize) return undefined;
    const h = q.peek(hsize);
    const dv = new DataView(h.buffer, h.byteOffset, hsize);
    let serial: bigint, type: number, size: number, subList = 0;
    if (this.opts.mini) {
      type = dv.getUint16(0, true);
      size = dv.getUint32(2, true);
      serial = this.serial + 1n;
    } else {
      serial = dv.getBigUint64(0, true);
      type = dv.getUint16(8, true);
      size = dv.getUint32(10, true);
      subList = dv.getUint32(14, true);
    }
    if (size > this.opts.maxMessageSize) {
      throw new SpiceError(ErrorCode.OVERSIZED, `message of ${size} bytes is over the ${this.opts.maxMessageSize}-byte limit (maxMessageSize)`, { messageType: type });
    }
    if (subList !== 0 && subList >= size) {
      throw new SpiceError(ErrorCode.BAD_POINTER, `sub-message list offset ${subList} is outside the ${size}-byte body`, { messageType: type });
    }
    if (q.length < hsize + size) return undefined;
    q.skip(hsize);
    const body = q.take(size);
    this.serial = serial;
    return { serial, type, body, subList };
  }
}

/** Writes data headers; counts serials for full headers. */
export class HeaderWriter {
  private serial = 0n;
  constructor(public mini: boolean) {}

  get lastSerial(): bigint {
    return this.serial;
  }

  /** Reserves a header in `w`; the body is then written after it, and `end` fills the header in. */
  begin(w: ByteWriter): number {
    const at = w.pos;
    w.zeros(this.mini ? MINI_HEADER_SIZE : FULL_HEADER_SIZE);
    return at;
  }

  end(w: ByteWriter, at: number, type: number): void {
    this.serial += 1n;
    const hsize = this.mini ? MINI_HEADER_SIZE : FULL_HEADER_SIZE;
    const h = w.view();
    const dv = new DataView(h.buffer, h.byteOffset + at, hsize);
    const size = w.pos - at - hsize;
    if (this.mini) {
      dv.setUint16(0, type, true);
      dv.setUint32(2, size, true);
    } else {
      dv.setBigUint64(0, this.serial, true);
      dv.setUint16(8, type, true);
      dv.setUint32(10, size, true);
    }
  }
}

/**
 * SPICE_MSG_LIST body: size:u16 then `size` u32 offsets (from the body start),
 * each of a SubMessage { type:u16 size:u32 body }.
 */
export interface SubMessage {
  type: number;
  body: Uint8Array;
}

export function splitSubMessages(body: Uint8Array, listOffset = 0): SubMessage[] {
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  if (listOffset + 2 > body.length) throw new SpiceError(ErrorCode.TRUNCATED, 'sub-message list: no count');
  const n = dv.getUint16(listOffset, true);
  if (listOffset + 2 + 4 * n > body.length) throw new SpiceError(ErrorCode.TRUNCATED, `sub-message list: ${n} offsets do not fit`);
  const out: SubMessage[] = [];
  for (let i = 0; i < n; i++) {
    const off = dv.getUint32(listOffset + 2 + 4 * i, true);
    if (off + 6 > body.length) throw new SpiceError(ErrorCode.BAD_POINTER, `sub-message ${i} at ${off} is outside the ${body.length}-byte list`);
    const type = dv.getUint16(off, true);
    const size = dv.getUint32(off + 2, true);
    if (off + 6 + size > body.length) throw new SpiceError(ErrorCode.TRUNCATED, `sub-message ${i} (type ${type}, ${size} bytes) runs past the list`);
    out.push({ type, body: body.subarray(off + 6, off + 6 + size) });
  }
  return out;
}

/** Builds a SPICE_MSG_LIST body: the count, the offsets, then each sub-message. */
export function joinSubMessages(subs: readonly SubMessage[]): Uint8Array {
  const w = new ByteWriter(64);
  w.u16(subs.length);
  let off = 2 + 4 * subs.length;
  for (const s of subs) { w.u32(off); off += 6 + s.body.length; }
  for (const s of subs) w.u16(s.type).u32(s.body.length).bytes(s.body);
  return w.finish();
}
