/**
 * Cuts the byte stream an X server sends into whole messages: first the setup
 * reply (8-byte head, length in words at offset 6), then 32-byte events and
 * errors and replies of 32 + 4*length bytes (GenericEvent, code 35, is sized
 * like a reply). Pure: bytes in, messages out, at any chunking.
 */
import { ErrorCode, SpiceError } from '../../../protocol/errors.js';
import { Ev } from './protocol.js';

export type X11Message =
  | { kind: 'setup'; bytes: Uint8Array }
  | { kind: 'reply'; sequence: number; bytes: Uint8Array }
  | { kind: 'error'; sequence: number; bytes: Uint8Array }
  | { kind: 'event'; code: number; sequence: number; bytes: Uint8Array };

export interface FramerOptions {
  /** Largest message accepted (default 256 MiB: a 8192x8192 GetImage is 256 MiB). */
  maxMessageBytes?: number;
}

export class X11Framer {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private setupDone = false;
  private readonly max: number;

  constructor(opts: FramerOptions = {}) {
    this.max = opts.maxMessageBytes ?? 256 * 1024 * 1024;
  }

  /** Bytes received but not yet part of a whole message. */
  get pending(): number {
    return this.buffered;
  }

  /** Feed bytes; returns every message completed by them, in order. */
  push(chunk: Uint8Array): X11Message[] {
    if (chunk.length) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const out: X11Message[] = [];
    for (;;) {
      const head = this.peek(this.setupDone ? 32 : 8);
      if (!head) break;
      const size = this.sizeOf(head);
      if (size > this.max) throw new SpiceError(ErrorCode.OVERSIZED, `X11 message of ${size} bytes is over the ${this.max}-byte limit`);
      if (this.buffered < size) break;
      const bytes = this.take(size);
      if (!this.setupDone) {
        this.setupDone = true;
        out.push({ kind: 'setup', bytes });
        continue;
      }
      const sequence = bytes[2]! | (bytes[3]! << 8);
      if (bytes[0] === 1) out.push({ kind: 'reply', sequence, bytes });
      else if (bytes[0] === 0) out.push({ kind: 'error', sequence, bytes });
      else out.push({ kind: 'event', code: bytes[0]! & 0x7f, sequence, bytes });
    }
    return out;
  }

  private sizeOf(head: Uint8Array): number {
    const words = (head[4]! | (head[5]! << 8) | (head[6]! << 16) | (head[7]! << 24)) >>> 0;
    if (!this.setupDone) return 8 + 4 * (head[6]! | (head[7]! << 8));
    const t = head[0]!;
    if (t === 1 || (t & 0x7f) === Ev.GenericEvent) return 32 + 4 * words;
    return 32;
  }

  /** The first n buffered bytes (copied only when they span chunks), or undefined. */
  private peek(n: number): Uint8Array | undefined {
    if (this.buffered < n) return undefined;
    const first = this.chunks[0]!;
    if (first.length >= n) return first.subarray(0, n);
    const out = new Uint8Array(n);
    let o = 0;
    for (const c of this.chunks) {
      const k = Math.min(c.length, n - o);
      out.set(c.subarray(0, k), o);
      o += k;
      if (o === n) break;
    }
    return out;
  }

  /** Removes and returns n bytes: a view when inside one chunk, else one copy. */
  private take(n: number): Uint8Array {
    this.buffered -= n;
    const first = this.chunks[0]!;
    if (first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = new Uint8Array(n);
    let o = 0;
    while (o < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - o);
      out.set(c.subarray(0, k), o);
      o += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    return out;
  }
}
