/**
 * Golden bytes: TCP streams captured with tshark from real sessions
 * (QEMU/Xspice with spicy-screenshot/remote-viewer; see
 * test/fixtures/golden/README.md). Every link message and every data message
 * in them decodes, and re-encoding gives the same bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { CommonCap, LinkErr, wordsToCaps } from '../../src/protocol/enums/index.js';
import {
  LINK_HEADER_SIZE, decodeLinkHeader, decodeLinkMess, decodeLinkReply, encodeLinkMess, encodeLinkReply,
} from '../../src/protocol/link/messages.js';
import { channelByType, type ChannelDef } from '../../src/protocol/schema/channels.js';
import { decodeMessage, encodeMessage, type Direction } from '../../src/protocol/messages.js';
import { splitSubMessages, joinSubMessages } from '../../src/protocol/wire/framing.js';

interface Fixture {
  name: string;
  connections: { index: number; clientToServer: string; serverToClient: string; truncated?: boolean }[];
}

const dir = join(process.cwd(), 'test', 'fixtures', 'golden');
const files = readdirSync(dir).filter((f) => f.endsWith('.json.gz')).sort();

/** Messages whose bodies carry bytes after their last field (kept by the sender, not by the schema). */
function trailingAllowed(ch: ChannelDef, name: string): boolean {
  return name === 'notify';
}

interface Tally { [key: string]: number }

function walk(ch: ChannelDef, dirn: Direction, stream: Uint8Array, offset: number, mini: boolean, tally: Tally): number {
  const dv = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  let pos = offset;
  let count = 0;
  const hsize = mini ? 6 : 18;
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
  while (pos + hsize <= stream.length) {
    const type = dv.getUint16(pos + (mini ? 0 : 8), true);
    const size = dv.getUint32(pos + (mini ? 2 : 10), true);
    if (pos + hsize + size > stream.length) break; // cut by the capture
    check(type, stream.subarray(pos + hsize, pos + hsize + size));
    pos += hsize + size;
    count++;
  }
  return count;
}

for (const file of files) {
  test(`golden ${file}: every message decodes and re-encodes to the same bytes`, (t) => {
    const fx = JSON.parse(gunzipSync(readFileSync(join(dir, file))).toString('utf8')) as Fixture;
    assert.ok(fx.connections.length > 0);
    const tally: Tally = {};
    let messages = 0;
    for (const conn of fx.connections) {
      const c2s = new Uint8Array(Buffer.from(conn.clientToServer, 'base64'));
      const s2c = new Uint8Array(Buffer.from(conn.serverToClient, 'base64'));
      // client: SpiceLinkHeader + SpiceLinkMess
      const ch = decodeLinkHeader(c2s);
      const mess = decodeLinkMess(c2s.subarray(LINK_HEADER_SIZE, LINK_HEADER_SIZE + ch.size));
      assert.deepEqual(encodeLinkMess(mess), c2s.subarray(0, LINK_HEADER_SIZE + ch.size), 'link message re-encodes');
      const def = channelByType(mess.channelType);
      assert.ok(def, `channel type ${mess.channelType}`);
      if (s2c.length === 0) continue;
      // server: SpiceLinkHeader + SpiceLinkReply
      const sh = decodeLinkHeader(s2c);
      const reply = decodeLinkReply(s2c.subarray(LINK_HEADER_SIZE, LINK_HEADER_SIZE + sh.size));
      assert.deepEqual(encodeLinkReply(reply), s2c.subarray(0, LINK_HEADER_SIZE + sh.size), 'link reply re-encodes');
      if (reply.error !== LinkErr.OK) continue;
      const serverCommon = wordsToCaps(reply.commonCaps);
      const clientCommon = wordsToCaps(mess.commonCaps);
      const selection = serverCommon.includes(CommonCap.PROTOCOL_AUTH_SELECTION) && clientCommon.includes(CommonCap.PROTOCOL_AUTH_SELECTION);
      const mini = serverCommon.includes(CommonCap.MINI_HEADER) && clientCommon.includes(CommonCap.MINI_HEADER);
      let cpos = LINK_HEADER_SIZE + ch.size + (selection ? 4 : 0) + 128;
      let spos = LINK_HEADER_SIZE + sh.size;
      if (s2c.length < spos + 4) continue;
      const result = new DataView(s2c.buffer, s2c.byteOffset).getUint32(spos, true);
      spos += 4;
      if (result !== LinkErr.OK) continue;
      messages += walk(def, 'server', s2c, spos, mini, tally);
      messages += walk(def, 'client', c2s, cpos, mini, tally);
      cpos = 0;
    }
    assert.ok(messages > 0, 'the capture holds data messages');
    t.diagnostic(`${messages} messages: ${Object.entries(tally).map(([k, n]) => `${k} x${n}`).join(', ')}`);
  });
}
