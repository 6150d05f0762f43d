/**
 * The first link's RSA key pair is made as a server starts (TicketCrypto.prepareKeys),
 * before the source starts and the warm-ups run: nodeTicketCrypto hands the prepared key
 * to the next generateKey once, a failure to prepare does not fail the start, and the
 * server asks before its source starts. (Why it must come first: node-ticket.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from '../../src/server/server.js';
import { createDemoSource } from '../../src/server/sources/demo.js';
import { nodeTicketCrypto } from '../../src/protocol/crypto/node-ticket.js';
import type { TicketCrypto, TicketKey } from '../../src/protocol/crypto/ticket.js';
import type { DisplaySource, SourceSink } from '../../src/server/source.js';

test('nodeTicketCrypto: prepareKeys makes the key the next generateKey hands out, once; every key decrypts its tickets', async () => {
  await nodeTicketCrypto.prepareKeys!();
  const first = await nodeTicketCrypto.generateKey();
  const second = await nodeTicketCrypto.generateKey();
  assert.notDeepEqual(first.spki, second.spki, 'the prepared key is handed out once, then fresh ones');
  for (const k of [first, second]) {
    const ticket = await nodeTicketCrypto.encryptTicket(k.spki, 'secret pw');
    const plain = await k.decrypt(ticket);
    assert.ok(plain, 'decrypts');
    assert.equal(new TextDecoder().decode(plain!.subarray(0, 9)), 'secret pw');
  }
});

test('a server prepares its first key pair before its source starts; a failure there does not fail the start', async () => {
  for (const fail of [false, true]) {
    const order: string[] = [];
    const demo = createDemoSource({ animate: false });
    const source: DisplaySource = Object.assign(Object.create(demo) as DisplaySource, {
      start(sink: SourceSink) { order.push('source start'); return demo.start(sink); },
    });
    const crypto: TicketCrypto = {
      encryptTicket: nodeTicketCrypto.encryptTicket,
      generateKey: (): Promise<TicketKey> => nodeTicketCrypto.generateKey(),
      async prepareKeys() {
        order.push('prepare keys');
        await new Promise((r) => setTimeout(r, 20));
        if (fail) throw new Error('no RSA here');
        order.push('keys ready');
      },
    };
    const server = createServer({ source, crypto, disableTicketing: true, warmUp: false, log: () => {} });
    await server.start();
    assert.deepEqual(order, fail ? ['prepare keys', 'source start'] : ['prepare keys', 'keys ready', 'source start']);
    await server.close();
  }
});
