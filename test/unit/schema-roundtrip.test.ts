/**
 * Every message type of every channel, in both directions, survives
 * encode -> decode -> encode unchanged, for each case of every switch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { channels } from '../../src/protocol/schema/channels.js';
import { decodeMessage, encodeMessage } from '../../src/protocol/messages.js';
import { sample, variantsOf } from '../helpers/sample.js';

for (const ch of Object.values(channels)) {
  for (const dir of ['server', 'client'] as const) {
    const tbl = dir === 'server' ? ch.server : ch.client;
    for (const entry of tbl.byType.values()) {
      test(`${ch.name} ${dir} ${entry.name} (${entry.type}) round-trips`, () => {
        const variants = variantsOf(entry.body);
        for (let v = 0; v < variants; v++) {
          for (let seed = 1; seed <= 3; seed++) {
            const value = sample(entry.body, seed * 1000 + v, v);
            const { type, body } = encodeMessage(ch, dir, { name: entry.name, body: value });
            assert.equal(type, entry.type);
            const decoded = decodeMessage(ch, dir, type, body);
            assert.equal(decoded.name, entry.name);
            assert.deepStrictEqual(decoded.body, value, `variant ${v} seed ${seed}`);
            const again = encodeMessage(ch, dir, decoded);
            assert.deepStrictEqual(again.body, body);
          }
        }
      });
    }
  }
}

test('every channel defines the common messages in both directions', () => {
  for (const ch of Object.values(channels)) {
    for (const [name, type] of [['set_ack', 3], ['ping', 4], ['list', 8], ['notify', 7]] as const) {
      assert.equal(ch.server.byName.get(name)?.type, type, `${ch.name} ${name}`);
    }
    for (const [name, type] of [['ack_sync', 1], ['ack', 2], ['pong', 3], ['disconnecting', 6]] as const) {
      assert.equal(ch.client.byName.get(name)?.type, type, `${ch.name} ${name}`);
    }
  }
});
