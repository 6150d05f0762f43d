/**
 * Cuts the byte stream an X server sends into whole messages: first the setup
 * reply (8-byte head, length in words at offset 6), then 32-byte events and
 * errors and replies of 32 + 4*length bytes (GenericEvent, code 35, is sized
 * like a reply). Pure: bytes in, messages out, at any chunking.
 *
 * With `partsOver`, a reply of at least that many bytes that spans several
 * received chunks is not copied into one array: `parts` holds views of the
 * chunks (their lengths add up to the reply's) and `bytes` only its 32-byte
 * head. GetImage replies of a megabyte go from the socket's chunks straight
 * into the frame that way.
 *
 * With `streamTo`, a reply of at least `partsOver` bytes may instead be handed
 * over as it arrives: once its head is in, `streamTo(sequence, size)` may return
 * a sink that gets every piece of it (views, valid during the call) with its
 * offset in the reply; the reply then comes out with its 32-byte head only and
 * `streamed` set. Nothing of it is kept meanwhile. A sink that says where the bytes
 * go (`into`) lets the caller read the rest of the reply straight there
 * (directTarget, pushDirect): the socket's reads land in the frame with no copy.
 *
 * With `copySmall`, other messages that are views of a chunk are copied out, so
 * the caller may reuse a chunk's memory for the next read unless `holds()` says
 * the framer still keeps part of it (a message not complete yet); `release()` copies
 * such a part out when it is small.
 */
import { ErrorCode, SpiceError } from '../../../protocol/errors.js';
import { Ev } from './protocol.js';

export type X11Message =
  | { kind: 'setup'; bytes: Uint8Array }
  | { kind: 'reply'; sequence: number; bytes: Uint8Array; parts?: Uint8Array[]; streamed?: boolean }
  | { kind: 'error'; sequence: number; bytes: Uint8Array }
  | { kind: 'event'; code: number; sequence: number; bytes: Uint8Array };

export interface FramerOptions {
  /** Largest message accepted (default 256 MiB: a 8192x8192 GetImage is 256 MiB). */
  maxMessageBytes?: number;
  /** Replies of at least this many bytes that span chunks come as `parts` (default: never). */
  partsOver?: number;
  /** Messages inside one chunk are copies, not views of it (default false). */
  copySmall?: boolean;
  /** Where a large reply may go as it arrives (see above). */
  streamTo?: (sequence: number, size: number) => ReplySink | undefined;
}

/**
 * Takes a streamed reply's bytes [at, at + piece.length). `into`, when present, gives the
 * bytes where the reply's bytes [at, at + up to max) belong, so a read can go there
 * directly (see directTarget); undefined where they do not lie in one run.
 */
export type ReplySink = ((piece: Uint8Array, at: number) => void) & { into?: (at: number, max: number) => Uint8Array | undefined };

export class X11Framer {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private setupDone = false;
  private readonly max: number;
  private readonly partsOver: number;
  private readonly copySmall: boolean;
  private readonly streamTo?: FramerOptions['streamTo'];
  /** The reply being streamed: its head, sink, size and how much of it has gone. */
  private stream?: { head: Uint8Array; sink: ReplySink; size: number; at: number; sequence: number };

  constructor(opts: FramerOptions = {}) {
    this.max = opts.maxMessageBytes ?? 256 * 1024 * 1024;
    this.partsOver = opts.partsOver ?? Infinity;
    this.copySmall = opts.copySmall ?? false;
    this.streamTo = opts.streamTo;
  }

  /** Gives the streamed reply what `c` holds of it; returns the rest of `c`. */
  private feed(c: Uint8Array, out: X11Message[]): Uint8Array {
    const st = this.stream!;
    const n = Math.min(c.length, st.size - st.at);
    if (n > 0) st.sink(n === c.length ? c : c.subarray(0, n), st.at);
    st.at += n;
    if (st.at === st.size) {
      this.stream = undefined;
      out.push({ kind: 'reply', sequence: st.sequence, bytes: st.head, streamed: true });
    }
    return n === c.length ? c.subarray(c.length) : c.subarray(n);
  }

  /**
   * Where the next read may go instead of a buffer of the caller's: the bytes of the
   * destination of the reply being streamed, when its sink has them in one run (at most
   * `max` bytes, never past the reply); undefined otherwise. The caller then reports the
   * bytes read there with pushDirect.
   */
  directTarget(max: number): Uint8Array | undefined {
    const st = this.stream;
    if (!st || !st.sink.into || st.at >= st.size) return undefined;
    const v = st.sink.into(st.at, Math.min(max, st.size - st.at));
    return v && v.length > 0 && v.length <= st.size - st.at ? v : undefined;
  }

  /** `n` bytes were read straight into the view directTarget gave; returns the reply if that completed it. */
  pushDirect(n: number): X11Message[] {
    const st = this.stream;
    if (!st || n < 0 || st.at + n > st.size) throw new SpiceError(ErrorCode.INCONSISTENT, `X11 framer: ${n} bytes read in place with no streamed reply to take them`);
    st.at += n;
    if (st.at < st.size) return [];
    this.stream = undefined;
    return [{ kind: 'reply', sequence: st.sequence, bytes: st.head, streamed: true }];
  }

  /** Whether bytes still kept (a message not complete yet) lie in `buffer`. */
  holds(buffer: ArrayBufferLike): boolean {
    for (const c of this.chunks) if (c.buffer === buffer) return true;
    return false;
  }

  /**
   * Copies out what is still kept of `buffer` (the start of a message not complete yet)
   * when that is at most `max` bytes, so the caller may read into the buffer again.
   * False when more is kept (a large reply gathering its parts): the buffer stays in use.
   */
  release(buffer: ArrayBufferLike, max: number): boolean {
    let kept = 0;
    for (const c of this.chunks) if (c.buffer === buffer) kept += c.length;
    if (kept === 0) return true;
    if (kept > max) return false;
    for (let i = 0; i < this.chunks.length; i++) {
      const c = this.chunks[i]!;
      if (c.buffer === buffer) this.chunks[i] = Uint8Array.prototype.slice.call(c);
    }
    return true;
  }

  /** Bytes received but not yet part of a whole message. */
  get pending(): number {
    return this.buffered;
  }

  /** Feed bytes; returns every message completed by them, in order. */
  push(chunk: Uint8Array): X11Message[] {
    const out: X11Message[] = [];
    if (this.stream) chunk = this.feed(chunk, out);
    if (chunk.length) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    for (;;) {
      const head = this.peek(this.setupDone ? 32 : 8);
      if (!head) break;
      const size = this.sizeOf(head);
      if (size > this.max) throw new SpiceError(ErrorCode.OVERSIZED, `X11 message of ${size} bytes is over the ${this.max}-byte limit`);
      if (head[0] === 1 && this.setupDone && size >= this.partsOver && this.buffered < size && this.streamTo) {
        const sequence = head[2]! | (head[3]! << 8);
        const sink = this.streamTo(sequence, size);
        if (sink) {
          // Everything buffered belongs to this reply (it is not complete yet): hand it over.
          this.stream = { head: head.slice(0, 32), sink, size, at: 0, sequence };
          const kept = this.chunks;
          this.chunks = [];
          this.buffered = 0;
          for (const c of kept) this.feed(c, out);
          break;
        }
      }
      if (this.buffered < size) break;
      if (head[0] === 1 && this.setupDone && size >= this.partsOver && this.chunks[0]!.length < size) {
        const parts = this.takeParts(size);
        out.push({ kind: 'reply', sequence: head[2]! | (head[3]! << 8), bytes: parts[0]!.length >= 32 ? parts[0]!.subarray(0, 32) : head.slice(0, 32), parts });
        continue;
      }
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

  /** Removes n bytes (more than the first chunk holds) as views of the chunks. */
  private takeParts(n: number): Uint8Array[] {
    this.buffered -= n;
    const parts: Uint8Array[] = [];
    let o = 0;
    while (o < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - o);
      parts.push(k === c.length ? c : c.subarray(0, k));
      o += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    return parts;
  }

  /** Removes and returns n bytes: a view when inside one chunk (a copy with copySmall), else one copy. */
  private take(n: number): Uint8Array {
    this.buffered -= n;
    const first = this.chunks[0]!;
    if (first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      // (Uint8Array's slice, which copies, also for a Buffer, whose slice() is a view.)
      return this.copySmall ? Uint8Array.prototype.slice.call(first, 0, n) : first.subarray(0, n);
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
