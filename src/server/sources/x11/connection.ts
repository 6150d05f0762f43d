/**
 * A minimal X11 client connection over a UNIX socket or TCP: setup with
 * MIT-MAGIC-COOKIE-1 when the Xauthority file has a cookie for the display,
 * sequence numbers, replies matched to requests, errors routed to the
 * request that caused them, events to one callback. Requests are pipelined:
 * everything sent in one tick goes out in one write.
 *
 * Reads go into our own buffer (net's `onread`), not through a readable stream:
 * GetImage replies of megabytes arrive in a few large reads, with no per-chunk
 * stream bookkeeping and no fresh allocation while the framer keeps nothing of
 * the last read.
 */
import { createConnection, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, SpiceError, toSpiceError } from '../../../protocol/errors.js';
import { concatBytes } from '../../../protocol/wire/bytes.js';
import { findCookie, parseDisplay, parseXauthority, type DisplayAddress } from './auth.js';
import { X11Framer, type ReplySink } from './framer.js';
import {
  describeXError, encodeGetInputFocus, encodeQueryExtension, encodeSetupRequest, parseError, parseQueryExtension,
  parseSetupReply, type ExtensionInfo, type Screen, type SetupInfo, type XError,
} from './protocol.js';

/**
 * The code for "the X server answered a request with an error". There is no
 * X-specific ErrorCode yet; INCONSISTENT (fields or state that disagree) is
 * the nearest.
 */
export const X11_ERROR_CODE = ErrorCode.X11;

/** A request failed with an X error; `x` has the details. */
export class X11RequestError extends SpiceError {
  constructor(readonly x: XError, what: string) {
    super(X11_ERROR_CODE, `${what}: ${describeXError(x)}`);
  }
}

export interface X11ConnectOptions {
  /** Xauthority file (default $XAUTHORITY, else ~/.Xauthority; absent file = no authentication). */
  xauthority?: string;
  /** MIT-MAGIC-COOKIE-1 to use instead of looking it up. */
  cookie?: Uint8Array;
  /** Connect + setup time limit (default 10 s). */
  timeoutMs?: number;
  /** Largest message accepted from the server (default 256 MiB). */
  maxMessageBytes?: number;
}

interface Pending {
  seq: number;
  what: string;
  resolve(b: Uint8Array): void;
  /** Takes a large reply as the received chunks (requestParts). */
  resolveParts?(parts: Uint8Array[]): void;
  /** Where a large reply may go as it arrives (requestParts with `open`). */
  open?: (size: number) => ReplySink | undefined;
  reject(e: Error): void;
}

/** Replies from this size on may come in parts (see X11Framer). */
const PARTS_OVER = 1 << 16;
/** Bytes asked for per read. */
const READ_BYTES = 1 << 18;

/**
 * Where each read goes. While a large reply streams into a destination that holds its
 * bytes in one run (a GetImage into packed rows), straight there (the framer's
 * directTarget): no copy. Otherwise the read buffer: reused unless the framer keeps a
 * large part of it (a big reply gathering its parts), then replaced (the kept bytes stay
 * valid). The start of a small message cut by a read is copied out instead: a new
 * 256 KiB buffer costs more than the copy, and every one adds to the external memory
 * that makes V8 run full collections. `onChunk` gets each read (`inPlace`: it went to
 * the direct target); it changes once the setup is done.
 */
class Reader {
  private buf = Buffer.allocUnsafeSlow(READ_BYTES);
  private busy = false;
  private direct: Uint8Array | undefined;
  onChunk: (chunk: Uint8Array, inPlace: boolean) => void = () => {};

  constructor(private readonly framer: X11Framer) {}

  readonly options = {
    buffer: (): Uint8Array => {
      this.direct = this.framer.directTarget(READ_BYTES);
      if (this.direct) return this.direct;
      if (this.busy) { this.buf = Buffer.allocUnsafeSlow(READ_BYTES); this.busy = false; }
      return this.buf;
    },
    callback: (n: number, b: Uint8Array): boolean => {
      if (this.direct !== undefined && b === this.direct) {
        this.direct = undefined;
        this.onChunk(b.subarray(0, n), true);
        return true;
      }
      // A plain Uint8Array: Buffer's slice() makes views, and the framer's copies must be copies.
      this.onChunk(new Uint8Array(b.buffer, b.byteOffset, n), false);
      if (!this.framer.release(b.buffer, PARTS_OVER)) this.busy = true;
      return true;
    },
  };
}

/** An event; `sequence` is the full number of the last request the server had processed when it sent it. */
export type X11Event = { code: number; sent: boolean; sequence: number; bytes: Uint8Array };

export class X11Connection {
  /** Called for every event, in arrival order. */
  onEvent: (ev: X11Event) => void = () => {};
  /** An error for a request nobody waits on and that had no handler. */
  onError: (err: X11RequestError) => void = () => {};
  /** The connection ended; `err` says why unless close() was called. */
  onClose: (err?: SpiceError) => void = () => {};

  private seq = 0;
  private readonly queue: Pending[] = [];
  private qHead = 0;
  private readonly voidHandlers = new Map<number, (e: XError) => void>();
  private out: Uint8Array[] = [];
  private flushQueued = false;
  private nextId = 0;
  private closed = false;
  private readonly extensions = new Map<string, Promise<ExtensionInfo>>();

  private constructor(private readonly socket: Socket, private readonly framer: X11Framer, readonly setup: SetupInfo, readonly screen: Screen, readonly address: DisplayAddress) {}

  /** Connects to `display` (':1', 'host:1', ...) and completes the setup exchange. */
  static async connect(display: string, opts: X11ConnectOptions = {}): Promise<X11Connection> {
    const addr = parseDisplay(display);
    const cookie = opts.cookie ?? lookupCookie(addr, opts.xauthority);
    let conn: X11Connection | undefined;
    const framer = new X11Framer({
      maxMessageBytes: opts.maxMessageBytes, partsOver: PARTS_OVER, copySmall: true,
      streamTo: (sequence, size) => conn?.streamTo(sequence, size),
    });
    const reader = new Reader(framer);
    const socket = addr.socketPath !== undefined
      ? createConnection({ path: addr.socketPath, onread: reader.options })
      : createConnection({ host: addr.host!, port: addr.port!, onread: reader.options });
    const where = addr.socketPath ?? `${addr.host}:${addr.port}`;
    const setupBytes = await new Promise<Uint8Array>((resolve, reject) => {
      const fail = (e: SpiceError) => { cleanup(); socket.destroy(); reject(e); };
      const timer = setTimeout(() => fail(new SpiceError(ErrorCode.TIMEOUT, `X display ${display}: no setup reply within ${opts.timeoutMs ?? 10_000} ms`)), opts.timeoutMs ?? 10_000);
      reader.onChunk = (d) => {
        try {
          const msgs = framer.push(d);
          if (msgs.length) { cleanup(); socket.pause(); resolve(msgs[0]!.bytes); }
        } catch (e) { fail(toSpiceError(e, ErrorCode.INCONSISTENT)); }
      };
      const onError = (e: Error) => fail(new SpiceError(ErrorCode.CONNECT, `cannot connect to X display ${display} (${where}): ${e.message}`, { cause: e }));
      const onClose = () => fail(new SpiceError(ErrorCode.CLOSED, `X display ${display} closed the connection during setup`));
      const cleanup = () => { clearTimeout(timer); reader.onChunk = () => {}; socket.off('error', onError); socket.off('close', onClose); };
      socket.once('error', onError);
      socket.once('close', onClose);
      socket.once('connect', () => socket.write(cookie ? encodeSetupRequest('MIT-MAGIC-COOKIE-1', cookie) : encodeSetupRequest()));
    });
    let setup: SetupInfo;
    try {
      setup = parseSetupReply(setupBytes);
    } catch (e) {
      socket.destroy();
      throw toSpiceError(e, ErrorCode.INCONSISTENT).withContext({});
    }
    const screen = setup.screens[addr.screen];
    if (!screen) {
      socket.destroy();
      throw new SpiceError(ErrorCode.BAD_ARGUMENT, `X display ${display} has ${setup.screens.length} screen(s), no screen ${addr.screen}`);
    }
    const c = conn = new X11Connection(socket, framer, setup, screen, addr);
    c.attach(reader);
    return c;
  }

  private attach(reader: Reader): void {
    this.socket.setNoDelay?.(true);
    reader.onChunk = (d, inPlace) => {
      if (this.closed) return;
      try {
        for (const m of inPlace ? this.framer.pushDirect(d.length) : this.framer.push(d)) {
          if (this.closed) return;
          if (m.kind === 'setup') continue; // cannot happen after setup
          const full = this.fullSeq(m.sequence);
          if (m.kind === 'reply') this.onReply(m.sequence, m.bytes, m.parts);
          else if (m.kind === 'error') this.onXError(full, parseError(m.bytes));
          else this.onEvent({ code: m.code, sent: (m.bytes[0]! & 0x80) !== 0, sequence: full, bytes: m.bytes });
          this.prune(full);
        }
      } catch (e) {
        this.fail(toSpiceError(e, ErrorCode.INCONSISTENT));
      }
    };
    this.socket.on('error', (e) => this.fail(new SpiceError(ErrorCode.CLOSED, `X connection failed: ${e.message}`, { cause: e })));
    this.socket.on('close', () => this.fail(new SpiceError(ErrorCode.CLOSED, 'the X server closed the connection')));
    this.socket.resume();
  }

  /** The full sequence number of the last request whose low 16 bits are `s`. */
  private fullSeq(s: number): number {
    return this.seq - ((this.seq - s) & 0xffff);
  }

  /** The sink of the request this reply answers, if it wants its reply as it arrives. */
  private streamTo(s: number, size: number): ReplySink | undefined {
    const head = this.queue[this.qHead];
    return head && (head.seq & 0xffff) === s && head.open ? head.open(size) : undefined;
  }

  private onReply(s: number, bytes: Uint8Array, parts?: Uint8Array[]): void {
    const head = this.queue[this.qHead];
    if (!head || (head.seq & 0xffff) !== s) throw new SpiceError(ErrorCode.INCONSISTENT, `X11 reply with sequence ${s} matches no request`);
    this.shift();
    if (!parts) head.resolve(bytes);
    else if (head.resolveParts) head.resolveParts(parts);
    else head.resolve(concatBytes(parts));
  }

  private onXError(full: number, x: XError): void {
    const head = this.queue[this.qHead];
    if (head && head.seq === full) {
      this.shift();
      head.reject(new X11RequestError(x, head.what));
      return;
    }
    const h = this.voidHandlers.get(full);
    if (h) {
      this.voidHandlers.delete(full);
      h(x);
      return;
    }
    this.onError(new X11RequestError(x, 'request'));
  }

  private shift(): void {
    this.queue[this.qHead++] = undefined as unknown as Pending;
    if (this.qHead > 1024 && this.qHead * 2 > this.queue.length) {
      this.queue.splice(0, this.qHead);
      this.qHead = 0;
    }
  }

  /** Requests before `full` are done: their error handlers can go. */
  private prune(full: number): void {
    for (const k of this.voidHandlers.keys()) {
      if (k >= full) break;
      this.voidHandlers.delete(k);
    }
  }

  private write(bytes: Uint8Array): number {
    if (this.closed) throw new SpiceError(ErrorCode.CLOSED, 'the X connection is closed');
    this.out.push(bytes);
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
    }
    return ++this.seq;
  }

  private flush(): void {
    this.flushQueued = false;
    if (this.closed || this.out.length === 0) return;
    const parts = this.out;
    this.out = [];
    this.socket.write(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
  }

  /** Sends a request that has a reply; resolves with the whole reply. */
  request(bytes: Uint8Array, what = `request ${bytes[0]}`): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      try {
        const seq = this.write(bytes);
        this.queue.push({ seq, what, resolve, reject });
      } catch (e) {
        reject(e);
      }
    });
  }

  /**
   * Like request(), for requests with large replies: the reply as the chunks it arrived in
   * (views; their concatenation is the whole reply, head included), or one array. With
   * `open`, a large reply may instead go to the sink `open(size)` returns as it arrives;
   * then only its 32-byte head comes here.
   */
  requestParts(bytes: Uint8Array, what = `request ${bytes[0]}`, open?: (size: number) => ReplySink | undefined): Promise<Uint8Array[]> {
    return new Promise((resolve, reject) => {
      try {
        const seq = this.write(bytes);
        this.queue.push({ seq, what, resolve: (b) => resolve([b]), resolveParts: resolve, open, reject });
      } catch (e) {
        reject(e);
      }
    });
  }

  /**
   * Sends a request without a reply. An X error for it goes to `onErr` when
   * given (e.g. to ignore BadWindow from a vanished peer), else to onError.
   */
  send(bytes: Uint8Array, onErr?: (e: XError) => void): number {
    const seq = this.write(bytes);
    if (onErr) this.voidHandlers.set(seq, onErr);
    return seq;
  }

  /** The sequence number of the last request sent. */
  get lastSequence(): number {
    return this.seq;
  }

  /** A round trip: resolves once the server has processed everything sent before. */
  async sync(): Promise<void> {
    await this.request(encodeGetInputFocus(), 'GetInputFocus');
  }

  /** A new resource id (window, region, damage ...). */
  allocId(): number {
    const mask = this.setup.ridMask;
    const step = mask & -mask;
    const id = (this.nextId += step);
    if ((id & ~mask) !== 0 || id > mask) throw new SpiceError(ErrorCode.LIMIT, 'out of X resource ids');
    return (this.setup.ridBase | id) >>> 0;
  }

  /** QueryExtension, cached. */
  extension(name: string): Promise<ExtensionInfo> {
    let p = this.extensions.get(name);
    if (!p) {
      p = this.request(encodeQueryExtension(name), `QueryExtension ${name}`).then(parseQueryExtension);
      this.extensions.set(name, p);
    }
    return p;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private fail(err: SpiceError): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.rejectAll(err);
    this.onClose(err);
  }

  private rejectAll(err: SpiceError): void {
    const waiting = this.queue.slice(this.qHead);
    this.queue.length = 0;
    this.qHead = 0;
    this.voidHandlers.clear();
    for (const p of waiting) p.reject(err);
  }

  /** Closes the connection; pending requests fail with CLOSED. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.socket.end();
    this.socket.destroySoon?.();
    this.rejectAll(new SpiceError(ErrorCode.CLOSED, 'the X connection was closed'));
    this.onClose(undefined);
  }
}

/** The MIT-MAGIC-COOKIE-1 for `addr` from the Xauthority file, if there is one. */
export function lookupCookie(addr: DisplayAddress, file?: string): Uint8Array | undefined {
  const path = file ?? process.env.XAUTHORITY ?? join(homedir(), '.Xauthority');
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch {
    return undefined;
  }
  try {
    return findCookie(parseXauthority(bytes), addr, hostname());
  } catch {
    // A damaged file: connect without authentication, as Xlib does.
    return undefined;
  }
}
