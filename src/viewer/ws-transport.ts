/**
 * The browser's WebSocket as a spice-ts Transport, and the opener a SpiceSession takes:
 * one WebSocket per SPICE channel, all to the same URL (spice-server 0.14.3+, `spice-ts
 * serve` and websockify-style gateways carry one channel per WebSocket, binary messages).
 *
 * Only the WebSocket shape below is used, so this module also loads in Node (tests hand it
 * a fake socket) and never touches DOM globals at import time.
 */
import { ErrorCode, SpiceError } from '../protocol/errors.js';
import type { Transport } from '../transports/transport.js';

/** The part of the DOM WebSocket this module uses. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  readonly url: string;
  send(data: ArrayBufferView | ArrayBuffer): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (ev: any) => void): void; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export type WebSocketFactory = (url: string, protocols: string[]) => WebSocketLike;

const OPEN = 1;

/** Words for a WebSocket close code the browser reports (RFC 6455 section 7.4). */
export function describeCloseCode(code: number, reason: string): string {
  const known: Record<number, string> = {
    1001: 'the server is going away',
    1002: 'protocol error',
    1003: 'the server cannot take binary data',
    1006: 'the connection was lost',
    1008: 'refused by policy',
    1009: 'a message was too big',
    1011: 'the server hit an internal error',
    1015: 'the TLS handshake failed',
  };
  const words = known[code] ?? `close code ${code}`;
  return reason ? `${words}: ${reason}` : words;
}

/**
 * The `cause` of a SpiceError from a WebSocket that closed: its close code and reason, for
 * callers deciding whether to try again (1008: refused by a gateway's policy).
 */
export class WebSocketClosed extends Error {
  constructor(readonly closeCode: number, readonly reason: string) {
    super(describeCloseCode(closeCode, reason));
    this.name = 'WebSocketClosed';
  }
}

/**
 * Wraps an open WebSocket. Writes made in one task go out as one binary message (the
 * channel writes a header and a body separately; one message each would double the
 * frames). Closing cleanly (code 1000/1005) ends the transport without an error;
 * anything else ends it with a CLOSED SpiceError saying why.
 */
export function webSocketTransport(ws: WebSocketLike, description = ws.url): Transport {
  let dataCb: ((b: Uint8Array) => void) | undefined;
  let closeCb: ((err?: SpiceError) => void) | undefined;
  const early: Uint8Array[] = [];
  let ended = false;
  let endError: SpiceError | undefined;
  let batch: Uint8Array[] = [];
  let scheduled = false;
  const done = (err?: SpiceError) => {
    if (ended) return;
    ended = true;
    endError = err;
    batch = [];
    closeCb?.(err);
  };
  const flush = () => {
    scheduled = false;
    if (ended || batch.length === 0) return;
    const parts = batch;
    batch = [];
    let out: Uint8Array;
    if (parts.length === 1) out = parts[0]!;
    else {
      let size = 0;
      for (const p of parts) size += p.length;
      out = new Uint8Array(size);
      let at = 0;
      for (const p of parts) { out.set(p, at); at += p.length; }
    }
    try {
      ws.send(out);
    } catch (e) {
      done(new SpiceError(ErrorCode.CLOSED, `WebSocket ${description}: cannot send (${e instanceof Error ? e.message : String(e)})`, { cause: e }));
    }
  };
  ws.binaryType = 'arraybuffer';
  ws.addEventListener('message', (ev: { data: unknown }) => {
    if (ended) return;
    const d = ev.data;
    let b: Uint8Array;
    if (d instanceof ArrayBuffer) b = new Uint8Array(d);
    else if (ArrayBuffer.isView(d)) b = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
    else {
      // SPICE is binary; a text message means the other end is not a SPICE WebSocket.
      done(new SpiceError(ErrorCode.INCONSISTENT, `WebSocket ${description} sent text, not SPICE data (is this a SPICE server or gateway?)`));
      ws.close(1003);
      return;
    }
    if (b.length === 0) return;
    if (dataCb) dataCb(b); else early.push(b);
  });
  ws.addEventListener('close', (ev: { code: number; reason: string }) => {
    if (ev.code === 1000 || ev.code === 1005) done();
    else done(new SpiceError(ErrorCode.CLOSED, `WebSocket ${description} closed: ${describeCloseCode(ev.code, ev.reason)}`,
      { cause: new WebSocketClosed(ev.code, ev.reason) }));
  });
  // 'error' carries no detail in browsers; 'close' follows with the code.
  ws.addEventListener('error', () => {});
  return {
    description,
    secure: description.startsWith('wss:'),
    write(b) {
      if (ended) return;
      batch.push(b);
      if (!scheduled) { scheduled = true; queueMicrotask(flush); }
    },
    flush,
    close() {
      if (ended) return;
      flush();
      try { ws.close(1000); } catch { /* already closing */ }
      done();
    },
    pendingBytes: () => ws.bufferedAmount,
    onceDrained(cb) {
      // The DOM WebSocket has no drain event: poll the buffered amount.
      const check = () => (ended || ws.bufferedAmount === 0 ? cb() : setTimeout(check, 10));
      check();
    },
    onData(cb) {
      dataCb = cb;
      for (const b of early.splice(0)) cb(b);
    },
    onClose(cb) {
      closeCb = cb;
      if (ended) cb(endError);
    },
  };
}

export interface WebSocketOpenOptions {
  /** Milliseconds to wait for the WebSocket to open. Default 10000. */
  timeoutMs?: number;
  /** Subprotocols to offer; default ['binary'] (what spice-server and websockify expect). */
  protocols?: string[];
  /** Makes the socket (tests, or a wrapper); default the global WebSocket. */
  factory?: WebSocketFactory;
}

function defaultFactory(): WebSocketFactory {
  const WS = (globalThis as unknown as { WebSocket?: new (url: string, protocols: string[]) => WebSocketLike }).WebSocket;
  if (typeof WS !== 'function') throw new SpiceError(ErrorCode.UNSUPPORTED, 'this environment has no WebSocket');
  return (url, protocols) => new WS(url, protocols);
}

/** Opens one WebSocket and resolves with its transport once open; rejects with CONNECT or TIMEOUT. */
export function openWebSocket(url: string, opts: WebSocketOpenOptions = {}): Promise<Transport> {
  const timeoutMs = opts.timeoutMs ?? 10000;
  const factory = opts.factory ?? defaultFactory();
  return new Promise((resolve, reject) => {
    let ws: WebSocketLike;
    try {
      ws = factory(url, opts.protocols ?? ['binary']);
    } catch (e) {
      reject(new SpiceError(ErrorCode.BAD_TARGET, `cannot open a WebSocket to ${url}: ${e instanceof Error ? e.message : String(e)}`, { cause: e }));
      return;
    }
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      try { ws.close(); } catch { /* not open yet */ }
      reject(new SpiceError(ErrorCode.TIMEOUT, `no WebSocket connection to ${url} after ${timeoutMs} ms`));
    }, timeoutMs);
    ws.addEventListener('open', () => {
      if (settled) { try { ws.close(1000); } catch { /* ignore */ } return; }
      settled = true;
      clearTimeout(timer);
      resolve(webSocketTransport(ws, url));
    });
    ws.addEventListener('close', (ev: { code: number; reason: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new SpiceError(ErrorCode.CONNECT,
        `cannot connect to ${url} (${describeCloseCode(ev.code, ev.reason)}; is a SPICE server or gateway with WebSocket support listening there?)`,
        { cause: new WebSocketClosed(ev.code, ev.reason) }));
    });
  });
}

/** What SpiceSession.connect takes to open its channels. */
export interface WebSocketOpener {
  open(tls: boolean): Promise<Transport>;
  hasPlain: boolean;
  hasTls: boolean;
}

/**
 * One WebSocket per channel, all to `url`. The SPICE TLS port cannot be reached from a
 * browser; a wss:// URL encrypts every channel instead, so the `tls` flag is ignored and
 * the session is told there is only one (plain) way in.
 */
export function webSocketOpener(url: string, opts: WebSocketOpenOptions = {}): WebSocketOpener {
  const u = checkWebSocketUrl(url);
  return { hasPlain: true, hasTls: false, open: () => openWebSocket(u, opts) };
}

/** Checks a ws:// or wss:// URL; http(s) URLs become ws(s). Throws BAD_TARGET otherwise. */
export function checkWebSocketUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new SpiceError(ErrorCode.BAD_TARGET, `'${url}' is not a URL (expected ws://host:port/ or wss://host/path)`);
  }
  if (u.protocol === 'http:') u.protocol = 'ws:';
  else if (u.protocol === 'https:') u.protocol = 'wss:';
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') {
    throw new SpiceError(ErrorCode.BAD_TARGET, `'${url}' is not a WebSocket URL (ws:// or wss://); a browser cannot open ${u.protocol}// connections`);
  }
  return u.toString();
}
