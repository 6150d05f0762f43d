/**
 * A transport over a WebSocket connection (the `ws` package, Node): one binary message
 * per batch of writes, received messages fed in order. spice-html5 and the spice-ts web
 * viewer carry each SPICE channel this way, one WebSocket per channel.
 */
import type { WebSocket } from 'ws';
import { ErrorCode, SpiceError } from '../protocol/errors.js';
import type { Transport } from './transport.js';

export function wsTransport(ws: WebSocket, description: string, secure: boolean): Transport {
  let dataCb: ((b: Uint8Array) => void) | undefined;
  let closeCb: ((err?: SpiceError) => void) | undefined;
  let ended = false;
  let batch: Uint8Array[] = [];
  let scheduled = false;
  const early: Uint8Array[] = [];
  const done = (err?: SpiceError) => {
    if (ended) return;
    ended = true;
    closeCb?.(err);
  };
  const flush = () => {
    scheduled = false;
    if (ended || batch.length === 0) return;
    const parts = batch;
    batch = [];
    let size = 0;
    for (const p of parts) size += p.length;
    const out = new Uint8Array(size);
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    ws.send(out, { binary: true });
  };
  ws.binaryType = 'nodebuffer';
  ws.on('message', (data: Buffer | Buffer[] | ArrayBuffer, isBinary: boolean) => {
    const chunks = Array.isArray(data) ? data : [data];
    for (const c of chunks) {
      const b = c instanceof ArrayBuffer ? new Uint8Array(c) : new Uint8Array(c.buffer, c.byteOffset, c.byteLength);
      if (!isBinary && b.length === 0) continue;
      if (dataCb) dataCb(b); else early.push(b);
    }
  });
  ws.on('error', (e) => done(new SpiceError(ErrorCode.CONNECT, `WebSocket ${description}: ${e.message}`, { cause: e })));
  ws.on('close', () => done());
  return {
    description,
    secure,
    write(b) {
      if (ended) return;
      batch.push(b);
      if (!scheduled) { scheduled = true; queueMicrotask(flush); }
    },
    flush,
    close() {
      if (ended) return;
      flush();
      ws.close();
      setTimeout(() => { if (!ended) ws.terminate(); }, 1000).unref();
    },
    pendingBytes: () => ws.bufferedAmount,
    onceDrained(cb) {
      // ws has no drain event: poll the buffered amount.
      const check = () => (ended || ws.bufferedAmount === 0 ? cb() : setTimeout(check, 5));
      check();
    },
    onData(cb) {
      dataCb = cb;
      for (const b of early.splice(0)) cb(b);
    },
    onClose(cb) {
      closeCb = cb;
    },
  };
}
