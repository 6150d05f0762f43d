/**
 * `spice-ts serve` as the reference clients see it: spicy-screenshot (spice-gtk) shows the
 * demo source pixel-exact under every image-compression setting, several viewers see the
 * same screen, a wrong password gets spice-gtk's "permission denied", and tshark's SPICE
 * dissector finds nothing malformed in a whole session.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { needPeers, startCapture, decodeCapture, findFields, canCapture, interopRequired } from '../harness/peers.js';
import { makeTempDir, removeTempDir } from '../harness/proc.js';
import { decodePnm } from '../../src/cli/image-pnm.js';
import { serveDemo as serve, countDiff, type Img } from '../harness/serve.js';
import { connect } from '../../src/client/node.js';
import { ErrorCode, isSpiceError } from '../../src/protocol/errors.js';

function spicyScreenshot(port: number, file: string, extra: string[] = []): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile('spicy-screenshot', ['-h', '127.0.0.1', '-p', String(port), '-o', file, ...extra], { timeout: 30_000 },
      (e, _out, stderr) => resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stderr: String(stderr) }));
  });
}

function assertSame(a: Img, b: Img, what: string): void {
  assert.equal(`${a.width}x${a.height}`, `${b.width}x${b.height}`, `${what}: size`);
  assert.equal(countDiff(a, b), 0, `${what}: pixels differ`);
}

for (const compression of ['auto_glz', 'auto_lz', 'quic', 'glz', 'lz', 'lz4', 'off'] as const) {
  test(`spicy-screenshot shows the demo source pixel-exact (image-compression=${compression})`, async (t) => {
    if (!needPeers(t, 'spicy-screenshot')) return;
    const s = await serve(t, { imageCompression: compression });
    const dir = makeTempDir('serve-shot');
    t.after(() => removeTempDir(dir));
    const file = join(dir, 'spicy.ppm');
    const r = await spicyScreenshot(s.port, file);
    assert.equal(r.code, 0, `spicy-screenshot failed: ${r.stderr}`);
    assertSame(decodePnm(new Uint8Array(readFileSync(file))), s.frame(), `spicy-screenshot, ${compression}`);
    const used = [...s.server.stats.codecs.keys()];
    const expect: Record<string, string[]> = {
      auto_glz: ['glz', 'quic'], auto_lz: ['lz', 'quic'], quic: ['quic'], glz: ['glz'], lz: ['lz'], lz4: ['lz4', 'lz'], off: ['raw'],
    };
    assert.ok(used.some((c) => expect[compression]!.includes(c)), `codecs used: ${used.join(', ')}`);
  });
}

test('spice-ts screenshot and several viewers at once see the same screen as spicy-screenshot', async (t) => {
  if (!needPeers(t, 'spicy-screenshot')) return;
  const s = await serve(t);
  const a = await connect(`spice://127.0.0.1:${s.port}`, { channels: ['display'] });
  const b = await connect(`spice://127.0.0.1:${s.port}`, { channels: ['display', 'inputs', 'cursor'] });
  t.after(() => { a.close(); b.close(); });
  await Promise.all([a.idle(), b.idle()]);
  assert.equal(s.server.viewers.size, 2, 'two viewers connected at once');
  const dir = makeTempDir('serve-multi');
  t.after(() => removeTempDir(dir));
  const file = join(dir, 'spicy.ppm');
  const r = await spicyScreenshot(s.port, file);
  assert.equal(r.code, 0, r.stderr);
  const ref = s.frame();
  assertSame(decodePnm(new Uint8Array(readFileSync(file))), ref, 'spicy-screenshot');
  for (const [name, sess] of [['first', a], ['second', b]] as const) {
    const p = sess.primary(0)!;
    assertSame({ width: p.width, height: p.height, pixels: p.pixels }, ref, `${name} spice-ts viewer`);
  }
});

test('a wrong password is refused with the link error spice-gtk reports', async (t) => {
  if (!needPeers(t, 'spicy-screenshot')) return;
  const s = await serve(t, { password: 'right one' });
  const dir = makeTempDir('serve-pw');
  t.after(() => removeTempDir(dir));
  const bad = await spicyScreenshot(s.port, join(dir, 'bad.ppm'), ['-w', 'wrong']);
  assert.notEqual(bad.code, 0, 'spicy-screenshot must fail with a wrong password');
  const good = await spicyScreenshot(s.port, join(dir, 'good.ppm'), ['-w', 'right one']);
  assert.equal(good.code, 0, good.stderr);
  await assert.rejects(connect(`spice://127.0.0.1:${s.port}`, { password: 'nope', channels: ['display'] }),
    (e: unknown) => isSpiceError(e) && e.code === ErrorCode.AUTH_FAILED);
});

test('tshark decodes a whole spicy-screenshot session with spice-ts serve without a malformed packet', async (t) => {
  if (!needPeers(t, 'spicy-screenshot', 'tshark')) return;
  if (!canCapture()) {
    if (interopRequired()) assert.fail('cannot capture packets (dumpcap needs capabilities)');
    t.skip('cannot capture packets here');
    return;
  }
  const s = await serve(t, { imageCompression: 'auto_glz' });
  const dir = makeTempDir('serve-cap');
  t.after(() => removeTempDir(dir));
  const pcap = join(dir, 'serve.pcapng');
  const cap = await startCapture([s.port], pcap);
  const r = await spicyScreenshot(s.port, join(dir, 'x.ppm'));
  await cap.stop();
  assert.equal(r.code, 0, r.stderr);
  const packets = await decodeCapture(pcap, [s.port]);
  assert.ok(packets.length > 10, 'packets were captured');
  assert.equal(findFields(packets, '_ws.malformed').length, 0, 'tshark flags a malformed packet');
  // The dissector followed the display channel: it saw our message types there.
  const types = new Set(findFields(packets, 'spice.message_type').map(String));
  for (const want of ['104' /* MAIN CHANNELS_LIST */, '314' /* SURFACE_CREATE */, '317' /* MONITORS_CONFIG */]) {
    assert.ok(types.has(want), `tshark saw message type ${want} (saw ${[...types].join(', ')})`);
  }
  assert.ok(types.has('304') || types.has('302'), 'tshark saw DRAW_COPY or DRAW_FILL');
});
