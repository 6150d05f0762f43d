/**
 * Golden bytes: TCP streams captured with tshark from real sessions
 * (QEMU/Xspice with spicy-screenshot/remote-viewer; see
 * test/fixtures/golden/README.md). Every link message and every data message
 * in them decodes, and re-encoding gives the same bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeLinkMess, encodeLinkReply } from '../../src/protocol/link/messages.js';
import type { ChannelDef } from '../../src/protocol/schema/channels.js';
import { decodeMessage, encodeMessage, type Direction } from '../../src/protocol/messages.js';
import { splitSubMessages, joinSubMessages } from '../../src/protocol/wire/framing.js';
import { goldenFiles, loadGolden, type RawMessage } from '../helpers/golden.js';

/** Messages whose bodies carry bytes after their last field (kept by the sender, not by the schema). */
function trailingAllowed(ch: ChannelDef, name: string): boolean {
  return name === 'notify';
}

interface Tally { [key: string]: number }

function walk(ch: ChannelDef, dirn: Direction, messages: RawMessage[], tally: Tally): number {
  const check = (type: number, body: Uint8Array) => {
    const m = decodeMessage(ch, dirn, type, body);
    tally[`${ch.name} ${dirn} ${m.name}`] = (tally[`${ch.name} ${dirn} ${m.name}`] ?? 0) + 1;
    if (m.name === 'list') {
      const subs = splitSubMessages(body);
      for (const s of subs) check(s.type, s.body);
      assert.deepEqual(joinSubMessages(subs), body, 'LIST re-encodes');
      return;
    }
    const again = encodeMessage(ch, dirn, m).body;
    if (again.length < body.length && trailingAllowed(ch, m.name)) {
      assert.deepEqual(again, body.subarray(0, again.length), `${ch.name} ${m.name}`);
    } else {
      assert.deepEqual(again, body, `${ch.name} ${dirn} ${m.name} re-encodes to the captured bytes`);
    }
  };
  for (const m of messages) check(m.type, m.body);
  return messages.length;
}

for (const file of goldenFiles()) {
  test(`golden ${file}: every message decodes and re-encodes to the same bytes`, (t) => {
    const session = loadGolden(file);
    assert.ok(session.connections.length > 0);
    const tally: Tally = {};
    let messages = 0;
    for (const conn of session.connections) {
      assert.deepEqual(encodeLinkMess(conn.linkMess), conn.linkMessBytes, 'link message re-encodes');
      if (conn.linkReply && conn.linkReplyBytes) {
        assert.deepEqual(encodeLinkReply(conn.linkReply), conn.linkReplyBytes, 'link reply re-encodes');
      }
      messages += walk(conn.def, 'server', conn.server, tally);
      messages += walk(conn.def, 'client', conn.client, tally);
    }
    assert.ok(messages > 0, 'the capture holds data messages');
    t.diagnostic(`${messages} messages: ${Object.entries(tally).map(([k, n]) => `${k} x${n}`).join(', ')}`);
  });
}
