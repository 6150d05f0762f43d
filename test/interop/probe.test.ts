/**
 * `spice-ts probe` against real servers (QEMU, Xspice): plain, right and
 * wrong password, TLS with a CA, a .vv file; what it prints is checked
 * against tshark's SPICE dissector on the same connection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { needPeers, startQemu, startXspice, makePki, startCapture, decodeCapture, findFields } from '../harness/peers.js';
import { makeTempDir, removeTempDir } from '../harness/proc.js';
import type { ProbeReport } from '../../src/client/probe.js';

const BIN = join(process.cwd(), 'bin', 'spice-ts');

interface Run { code: number; stdout: string; stderr: string }

function spiceTs(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 30000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function probeJson(...args: string[]): Promise<ProbeReport> {
  const r = await spiceTs('probe', ...args, '--json');
  assert.equal(r.code, 0, `probe ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as ProbeReport;
}

const strs = (node: unknown, name: string) => findFields(node, name).map(String);

test('probe QEMU with agent, audio, usbredir and webdav: 7 channels, matching tshark', async (t) => {
  if (!needPeers(t, 'qemu-system-x86_64', 'tshark')) return;
  const qemu = await startQemu({ agent: true, audio: true, usbredir: true, webdav: true });
  const dir = makeTempDir('probe-cap');
  t.after(async () => { await qemu.stop(); removeTempDir(dir); });
  const pcap = join(dir, 'probe.pcapng');
  const cap = await startCapture([qemu.port], pcap);
  const report = await probeJson(`spice://127.0.0.1:${qemu.port}`);
  await cap.stop();

  assert.deepEqual(report.protocol, { major: 2, minor: 2 });
  assert.equal(report.miniHeader, true);
  assert.equal(report.name, `spice-ts-peer-${qemu.port}`); // the harness names the VM
  assert.deepEqual(report.mainCaps.common.sort(), ['AUTH_SPICE', 'MINI_HEADER', 'PROTOCOL_AUTH_SELECTION']);
  assert.ok(report.mainCaps.channel.includes('AGENT_CONNECTED_TOKENS'));
  assert.deepEqual(report.mouseModes.supported, ['SERVER']);
  assert.equal(report.agent.connected, false);
  const names = report.channels.map((c) => c.name).sort();
  assert.deepEqual(names, ['cursor', 'display', 'inputs', 'playback', 'record', 'usbredir', 'webdav']);
  for (const c of report.channels) assert.equal(c.result, 'ok', `${c.name}: ${c.result}`);
  assert.ok(report.channels.find((c) => c.name === 'display')!.caps!.channel.includes('MONITORS_CONFIG'));
  assert.deepEqual(report.channels.find((c) => c.name === 'inputs')!.caps!.channel, ['KEY_SCANCODE']);

  const packets = await decodeCapture(pcap, [qemu.port]);
  // tshark saw no malformed packet in what we sent or received
  assert.equal(findFields(packets, '_ws.malformed').length, 0, 'tshark flags a malformed packet');
  // one link per channel plus main, each with our magic and version 2.2
  const linkTypes = strs(packets, 'spice.link_client').length ? strs(packets, 'spice.channel_type') : [];
  const listed = new Set(report.channels.map((c) => String(c.type)));
  for (const type of listed) assert.ok(linkTypes.includes(type), `tshark saw a link or list entry for channel type ${type}`);
  assert.ok(strs(packets, 'spice.major_version').every((v) => v === '2'));
  // the session id we print is the connection id our secondary links carried (tshark shows it byte-swapped)
  assert.deepEqual(strs(packets, 'spice.main_name'), [report.name]);
  // tshark 4.0 reads MAIN_INIT's session_id big-endian (a dissector quirk); the link's conn_id it reads right
  const byteSwapped = Buffer.from(Uint32Array.of(report.sessionId).buffer).readUInt32BE(0);
  assert.deepEqual(strs(packets, 'spice.main_session_id'), [String(byteSwapped)]);
  const hex = '0x' + report.sessionId.toString(16).padStart(8, '0');
  const connIds = strs(packets, 'spice.conn_id');
  assert.ok(connIds.includes('0x00000000'), 'main linked with connection id 0');
  assert.equal(connIds.filter((c) => c === hex).length, report.channels.length, `secondary links carry session ${report.sessionId}`);
  // every link reply said OK, and every ticket was accepted
  assert.ok(strs(packets, 'spice.error_code').every((v) => v === '0'));
  assert.equal(strs(packets, 'spice.ticket_server').filter((v) => v === '0').length, report.channels.length + 1);
  // the capabilities we print are the ones on the wire
  assert.ok(strs(packets, 'spice.main_cap_vm_name_uuid').includes('1'));
  assert.ok(strs(packets, 'spice.inputs_cap').includes('1'));
});

test('probe QEMU with the right password, the wrong one, and none', async (t) => {
  if (!needPeers(t, 'qemu-system-x86_64')) return;
  // One QEMU per case: twice in full-suite runs a QEMU stopped listening after
  // serving one probe (under investigation, see the issue note); each case
  // here is about what one link attempt gets.
  const fresh = async () => {
    const q = await startQemu({ password: 's3cret' });
    t.after(() => {
      if (!q.process.alive()) t.diagnostic(`QEMU on ${q.port} had exited before stop: ${q.process.logTail(10)}`);
      return q.stop();
    });
    return q;
  };
  const q1 = await fresh();
  const ok = await probeJson(`spice://127.0.0.1:${q1.port}`, '--password', 's3cret');
  assert.ok(ok.channels.length >= 3);
  const q2 = await fresh();
  const viaUri = await probeJson(`spice://127.0.0.1:${q2.port}?password=s3cret`);
  assert.equal(viaUri.channels.length, ok.channels.length);
  for (const pw of ['wrong', '']) {
    const q = await fresh();
    const r = await spiceTs('probe', `spice://127.0.0.1:${q.port}`, '--password', pw);
    assert.equal(r.code, 4, `exit status for password '${pw}': ${r.stderr}`);
    assert.match(r.stderr, /refused the password/);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  }
});

test('probe QEMU over TLS with a CA, and a TLS failure without it', async (t) => {
  if (!needPeers(t, 'qemu-system-x86_64', 'openssl')) return;
  const pki = await makePki();
  const qemu = await startQemu({ tls: { x509Dir: pki.dir } });
  t.after(async () => { await qemu.stop(); pki.remove(); });
  const uri = `spice://127.0.0.1?tls-port=${qemu.tlsPort}`;
  const r = await probeJson(uri, '--ca-file', pki.caCert);
  assert.equal(r.tls, true);
  for (const c of r.channels) {
    assert.equal(c.result, 'ok', `${c.name}: ${c.result}`);
    assert.equal(c.tls, true);
  }
  const plainToo = await probeJson(`spice://127.0.0.1:${qemu.port}?tls-port=${qemu.tlsPort}`, '--ca-file', pki.caCert, '--secure-channels', 'main,display');
  assert.equal(plainToo.tls, true);
  assert.equal(plainToo.channels.find((c) => c.name === 'display')?.tls, true);
  assert.equal(plainToo.channels.find((c) => c.name === 'inputs')?.tls, false);
  const bad = await spiceTs('probe', uri);
  assert.equal(bad.code, 5, bad.stderr);
  assert.match(bad.stderr, /TLS/);
  const subject = await spiceTs('probe', uri, '--ca-file', pki.caCert, '--host-subject', 'CN=someone-else');
  assert.equal(subject.code, 5, subject.stderr);
  const goodSubject = await spiceTs('probe', uri, '--ca-file', pki.caCert, '--host-subject', 'CN=127.0.0.1');
  assert.equal(goodSubject.code, 0, goodSubject.stderr);
});

test('probe a virt-viewer .vv file with the CA inline', async (t) => {
  if (!needPeers(t, 'qemu-system-x86_64', 'openssl')) return;
  const pki = await makePki();
  const qemu = await startQemu({ password: 'vvpass', tls: { x509Dir: pki.dir } });
  const dir = makeTempDir('probe-vv');
  t.after(async () => { await qemu.stop(); pki.remove(); removeTempDir(dir); });
  const ca = readFileSync(pki.caCert, 'utf8').trim().replace(/\n/g, '\\n');
  const vv = join(dir, 'console.vv');
  writeFileSync(vv, `[virt-viewer]\ntype=spice\nhost=127.0.0.1\nport=${qemu.port}\ntls-port=${qemu.tlsPort}\npassword=vvpass\nca=${ca}\nsecure-channels=main;display\ndelete-this-file=1\n`);
  const r = await probeJson(vv);
  assert.equal(r.tls, true);
  const seen = r.channels.map((c) => `${c.name}:${c.result}${c.tls ? '(tls)' : ''}`).join(', ');
  assert.ok(r.channels.every((c) => c.result === 'ok'), seen);
});

test('probe Xspice: plain, then with a password', async (t) => {
  if (!needPeers(t, 'Xspice')) return;
  const x = await startXspice({ demo: false });
  t.after(() => x.stop());
  const r = await probeJson(`127.0.0.1:${x.port}`);
  const names = r.channels.map((c) => c.name);
  for (const n of ['display', 'inputs', 'cursor']) assert.ok(names.includes(n), `Xspice lists ${n}`);
  assert.ok(r.channels.every((c) => c.result === 'ok'), r.channels.map((c) => `${c.name}:${c.result}`).join(', '));
  assert.ok(r.mouseModes.supported.includes('SERVER'));

  const xp = await startXspice({ demo: false, password: 'xpw' });
  t.after(() => xp.stop());
  assert.equal((await probeJson(`spice://127.0.0.1:${xp.port}`, '--password', 'xpw')).channels.length, r.channels.length);
  const bad = await spiceTs('probe', `spice://127.0.0.1:${xp.port}`, '--password', 'nope');
  assert.equal(bad.code, 4, bad.stderr);
});

test('probe QEMU over a UNIX socket (spice+unix://)', async (t) => {
  if (!needPeers(t, 'qemu-system-x86_64')) return;
  const qemu = await startQemu({ unix: true });
  t.after(() => qemu.stop());
  const r = await probeJson(`spice+unix://${qemu.unixPath}`);
  const seen = r.channels.map((c) => `${c.name}:${c.result}`).join(', ');
  assert.deepEqual(r.channels.map((c) => c.name).sort(), ['cursor', 'display', 'inputs'], seen);
  assert.ok(r.channels.every((c) => c.result === 'ok'), seen);
});

test('probe exit statuses: nothing listening, a bad target', async () => {
  const { freePort } = await import('../harness/net.js');
  const port = await freePort();
  const refused = await spiceTs('probe', `spice://127.0.0.1:${port}`);
  assert.equal(refused.code, 3, refused.stderr);
  assert.match(refused.stderr, /connection refused/);
  const bad = await spiceTs('probe', 'spice://127.0.0.1');
  assert.equal(bad.code, 2, bad.stderr);
  const usage = await spiceTs('probe');
  assert.equal(usage.code, 2);
});

test('probe exit status 6 when the server is not a SPICE server', async (t) => {
  const net = await import('node:net');
  const server = net.createServer((s) => { s.on('data', () => s.end('HTTP/1.1 400 Bad Request\r\n\r\n')); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as { port: number }).port;
  const r = await spiceTs('probe', `spice://127.0.0.1:${port}`);
  assert.equal(r.code, 6, r.stderr);
  assert.match(r.stderr, /not a SPICE server/);
});

test('probe Xspice over TLS with the CA', async (t) => {
  if (!needPeers(t, 'Xspice', 'openssl')) return;
  const pki = await makePki();
  const x = await startXspice({ demo: false, tls: { x509Dir: pki.dir } });
  t.after(async () => { await x.stop(); pki.remove(); });
  const r = await probeJson(`spice://127.0.0.1?tls-port=${x.tlsPort}`, '--ca-file', pki.caCert);
  assert.equal(r.tls, true);
  assert.ok(r.channels.length >= 3 && r.channels.every((c) => c.result === 'ok' && c.tls));
});
