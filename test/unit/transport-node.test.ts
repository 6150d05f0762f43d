/**
 * The server side of a TLS connection writes one buffer at a time (each its own TLS
 * record, see SocketTransport), counting what waits in pendingBytes; plain sockets batch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type net from 'node:net';
import { acceptedTransport } from '../../src/transports/node.js';

class FakeSocket extends EventEmitter {
  remoteAddress = '127.0.0.1';
  remotePort = 4242;
  localAddress = '127.0.0.1';
  writableLength = 0;
  corks = 0;
  writes: { bytes: number[]; done?: () => void }[] = [];
  setNoDelay(): void {}
  cork(): void { this.corks++; }
  uncork(): void {}
  write(b: Uint8Array, cb?: () => void): boolean {
    this.writes.push({ bytes: [...b], done: cb });
    this.writableLength += b.length;
    return true;
  }
  /** The network took write i. */
  complete(i: number): void {
    const w = this.writes[i]!;
    this.writableLength -= w.bytes.length;
    w.done?.();
  }
  destroy(): void {}
  end(): void {}
}

test('server TLS transport: a write goes to the socket only after the previous one completed', () => {
  const sock = new FakeSocket();
  const t = acceptedTransport(sock as unknown as net.Socket, true);
  t.write(Uint8Array.of(1, 2, 3, 4));
  t.write(Uint8Array.of(5, 6));
  t.write(Uint8Array.of(7));
  assert.equal(sock.writes.length, 1, 'the second write waits for the first');
  assert.equal(sock.corks, 0, 'TLS writes are never corked together');
  assert.equal(t.pendingBytes!(), 7, 'queued bytes count as pending');
  sock.complete(0);
  assert.deepEqual(sock.writes.map((w) => w.bytes), [[1, 2, 3, 4], [5, 6]]);
  assert.equal(t.pendingBytes!(), 3);
  sock.complete(1);
  sock.complete(2);
  assert.deepEqual(sock.writes.map((w) => w.bytes), [[1, 2, 3, 4], [5, 6], [7]], 'each buffer written alone, in order');
  assert.equal(t.pendingBytes!(), 0);
  t.write(Uint8Array.of(8));
  assert.equal(sock.writes.length, 4, 'an idle transport writes at once');
});

test('server TLS transport: onceDrained waits for the queue too', async () => {
  const sock = new FakeSocket();
  const t = acceptedTransport(sock as unknown as net.Socket, true);
  t.write(Uint8Array.of(1));
  t.write(Uint8Array.of(2));
  let drained = false;
  t.onceDrained!(() => { drained = true; });
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(drained, false);
  sock.complete(0);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(drained, false, 'the second buffer is still queued');
  sock.complete(1);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(drained, true);
});

test('plain server transport: writes of one tick are corked into one segment', () => {
  const sock = new FakeSocket();
  const t = acceptedTransport(sock as unknown as net.Socket, false);
  t.write(Uint8Array.of(1));
  t.write(Uint8Array.of(2));
  assert.equal(sock.writes.length, 2, 'written at once, not queued');
  assert.equal(sock.corks, 1);
});
