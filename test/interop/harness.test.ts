// Smoke tests of the interop harness itself (test/harness): the real peers
// come up, listen, answer, and are cleaned up. Each test skips when its peers
// are not installed (fails instead with SPICE_INTEROP=required).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import {
  needPeers, startQemu, startXspice, startXvfb, makePki, startCapture, decodeCapture, findFields,
  portListening, displayAnswers, isAlive, makeTempDir, removeTempDir, run, freePorts,
} from '../harness/peers.js';

test('freePorts gives distinct ports that nothing listens on', async () => {
  const ports = await freePorts(4);
  assert.equal(new Set(ports).size, 4);
  for (const p of ports) assert.equal(portListening(p), false);
});

test('QEMU (plain) listens, answers HMP, and screendump writes a PPM', async (t) => {
  if (!needPeers(t, 'qemu-system-x86_64')) return;
  const q = await startQemu();
  t.after(() => q.stop());
  assert.ok(portListening(q.port), `port ${q.port} listens`);
  assert.equal(q.tlsPort, undefined);
  assert.ok(isAlive(q.pid));
  assert.match(await q.hmp('info status'), /VM status: running/);
  assert.match(await q.hmp('info spice'), /auth: none/);

  const out = makeTempDir('screendump');
  t.after(() => removeTempDir(out));
  const file = join(out, 'screen.ppm');
  await q.screendump(file);
  const data = readFileSync(file);
  const m = /^P6\n(\d+) (\d+)\n255\n/.exec(data.subarray(0, 32).toString('latin1'));
  assert.ok(m, 'PPM (P6) header');
  const [w, h] = [Number(m[1]), Number(m[2])];
  assert.ok(w >= 640 && h >= 400, `screen size ${w}x${h}`);
  assert.equal(data.length, m[0].length + w * h * 3);

  const { dir, pid } = q;
  await q.stop();
  assert.equal(isAlive(pid), false, 'QEMU stopped');
  assert.equal(existsSync(dir), false, 'temp folder removed');
  assert.equal(portListening(q.port), false);
});

test('QEMU with password + TLS listens on both ports; the PKI verifies', async (t) => {
  if (!needPeers(t, 'qemu-system-x86_64', 'openssl')) return;
  const pki = await makePki();
  t.after(() => pki.remove());
  for (const f of [pki.caCert, pki.serverCert, pki.serverKey]) assert.ok(statSync(f).size > 0, f);
  const q = await startQemu({ password: 's3cret', tls: { x509Dir: pki.dir } });
  t.after(() => q.stop());
  assert.ok(q.tlsPort !== undefined && q.tlsPort !== q.port);
  assert.ok(portListening(q.port), `port ${q.port} listens`);
  assert.ok(portListening(q.tlsPort), `TLS port ${q.tlsPort} listens`);
  const info = await q.hmp('info spice');
  assert.match(info, /auth: spice/);
  assert.match(info, new RegExp(`127\\.0\\.0\\.1:${q.tlsPort} \\[tls\\]`));

  // A TLS handshake against our CA, with host-name checking for 127.0.0.1.
  const peerCN = await new Promise<string>((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port: q.tlsPort!, ca: readFileSync(pki.caCert) }, () => {
      const cn = s.getPeerCertificate().subject.CN;
      s.destroy();
      resolve(String(cn));
    });
    s.once('error', reject);
  });
  assert.equal(peerCN, '127.0.0.1');
});

test('Xspice: the display answers, the SPICE port listens, demo clients run', async (t) => {
  if (!needPeers(t, 'Xspice', 'xdpyinfo', 'xsetroot', 'xclock', 'xeyes', 'xlogo')) return;
  const x = await startXspice();
  t.after(() => x.stop());
  assert.match(x.display, /^:\d+$/);
  assert.ok(portListening(x.port), `port ${x.port} listens`);
  assert.ok(await displayAnswers(x.display));
  const { stdout } = await x.exec('xdpyinfo');
  assert.match(stdout, /dimensions:\s+1024x768 pixels/);
  const logo = x.run('xlogo', ['-geometry', '100x100+600+400']);
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(logo.alive(), 'an X client started with run() is running');

  const { dir, pid, display } = x;
  await x.stop();
  assert.equal(isAlive(pid), false, 'Xorg stopped');
  assert.equal(logo.alive(), false, 'client stopped with the display');
  assert.equal(existsSync(dir), false, 'temp folder removed');
  assert.equal(existsSync(`/tmp/.X${display.slice(1)}-lock`), false, 'lock file gone');
});

test('Xvfb starts and stops', async (t) => {
  if (!needPeers(t, 'Xvfb', 'xdpyinfo')) return;
  const x = await startXvfb({ size: '800x600' });
  t.after(() => x.stop());
  const { stdout } = await x.exec('xdpyinfo');
  assert.match(stdout, /dimensions:\s+800x600 pixels/);
  await x.stop();
  assert.equal(await displayAnswers(x.display), false);
});

test('tshark captures a spicy-screenshot session and the SPICE dissector decodes it', async (t) => {
  if (!needPeers(t, 'qemu-system-x86_64', 'tshark', 'spicy-screenshot')) return;
  const q = await startQemu();
  t.after(() => q.stop());
  const out = makeTempDir('capture');
  t.after(() => removeTempDir(out));
  const pcap = join(out, 'session.pcapng');
  const cap = await startCapture([q.port], pcap);
  t.after(() => cap.stop().catch(() => undefined));
  await run('spicy-screenshot', ['-h', '127.0.0.1', '-p', String(q.port), '-o', join(out, 'shot.ppm')], {
    timeoutMs: 30_000,
  });
  await cap.stop();
  const packets = await decodeCapture(pcap, [q.port]);
  assert.ok(packets.length > 5, `${packets.length} SPICE frames`);
  assert.ok(findFields(packets, 'spice.magic').includes('REDQ'));
  // main (1) and display (2) channels were linked
  const linked = findFields(packets, 'spice.channel_type');
  assert.ok(linked.includes('1') && linked.includes('2'), `channel types ${linked.join(',')}`);
  const [session] = findFields(packets, 'spice.main_session_id');
  assert.match(String(session), /^\d+$/);
});
