/**
 * `spice-ts gateway` with real servers and the web viewer in headless Chromium
 * (playwright-core): the page, opened as http://gateway/?token=..., reaches the server the
 * token names (from a token file, read again as tests add lines) and its canvas is pixel-exact
 * with
 * - QEMU's own `screendump`, under image-compression auto_glz and quic;
 * - Xspice's X framebuffer (`import -window root`) with real X clients, same settings;
 * an unknown token is refused and shown in the page's status line; a token carrying the
 * password (over a TLS upstream checked against the token's CA) connects without a password
 * typed, and a token with a wrong password shows the server's refusal. And the command itself:
 * `spice-ts gateway --target` over https/wss, with its log line and a clean stop.
 *
 * The bundle is built from the sources (scripts/bundle-viewer.mjs) into a temporary folder.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import https from 'node:https';
import { WebSocket } from 'ws';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { canvasMatches, chromiumReady, newPage, statusText, viewerBundle } from '../harness/browser.js';
import { needPeers, startQemu, startXspice, makePki, waitUntil, makeTempDir, removeTempDir } from '../harness/peers.js';
import { settledRoot, startScene } from '../harness/scene.js';
import { decodePnm, type RgbaImage } from '../../src/cli/image-files.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { listenGateway, type GatewayListening } from '../../src/gateway/listen.js';
import { TokenFile } from '../../src/gateway/tokens.js';
import type { SessionRecord } from '../../src/gateway/session.js';
import { createServer } from '../../src/server/server.js';
import { listen } from '../../src/server/listen.js';
import { createDemoSource } from '../../src/server/sources/demo.js';
import { nodeTicketCrypto } from '../../src/protocol/crypto/node-ticket.js';
import { SpiceSession } from '../../src/client/session.js';
import { defaultDecoders } from '../../src/codecs/index.js';
import { webSocketOpener, type WebSocketLike } from '../../src/viewer/ws-transport.js';

let work: string | undefined;
let gw: { gateway: Gateway; l: GatewayListening; tokens: TokenFile; file: string; ended: SessionRecord[]; logs: string[] } | undefined;
let tokenCount = 0;

after(async () => {
  if (gw) { await gw.l.close(); gw.tokens.close(); }
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Chromium, playwright-core, the bundle and the gateway; or a skip (a failure under SPICE_INTEROP=required). */
async function ready(t: import('node:test').TestContext): Promise<Browser | undefined> {
  const browser = await chromiumReady(t);
  if (!browser) return undefined;
  if (!gw) {
    work = mkdtempSync(join(tmpdir(), 'spice-ts-gateway-'));
    const file = join(work, 'tokens');
    writeFileSync(file, '# tokens added by the tests\n');
    const logs: string[] = [];
    const tokens = new TokenFile(file, { log: (l) => logs.push(l) });
    const gateway = new Gateway({ tokens, log: (l) => logs.push(l) });
    const ended: SessionRecord[] = [];
    gateway.on('session-end', (r) => ended.push(r));
    const l = await listenGateway(gateway, { listen: '127.0.0.1:0', viewerDir: viewerBundle() });
    gw = { gateway, l, tokens, file, ended, logs };
  }
  return browser;
}

/** Adds a line to the token file; returns the new token. */
function addToken(target: string, options = ''): string {
  const token = `t${++tokenCount}-${Math.random().toString(36).slice(2, 10)}`;
  appendFileSync(gw!.file, `${token}: ${target} ${options}\n`);
  return token;
}

async function openPage(t: import('node:test').TestContext, b: Browser, token: string): Promise<{ page: Page; log: string[] }> {
  const { page, log } = await newPage(t, b, { viewport: { width: 1280, height: 1000 } });
  await page.goto(`${gw!.l.url}?token=${token}`);
  return { page, log };
}



function screendumper(q: Awaited<ReturnType<typeof startQemu>>) {
  const dir = makeTempDir('gw-dump');
  let n = 0;
  return {
    dump: async () => {
      const f = join(dir, `d${n++}.ppm`);
      await q.screendump(f);
      return [decodePnm(new Uint8Array(readFileSync(f)))];
    },
    remove: () => removeTempDir(dir),
  };
}

for (const ic of ['auto_glz', 'quic'] as const) {
  test(`through the gateway, the viewer equals QEMU's screendump (image-compression ${ic}); the session is logged`, async (t) => {
    if (!needPeers(t, 'qemu-system-x86_64')) return;
    const b = await ready(t);
    if (!b) return;
    const q = await startQemu({ spiceOptions: { 'image-compression': ic } });
    const d = screendumper(q);
    t.after(async () => { await q.stop(); d.remove(); });
    const token = addToken(`spice://127.0.0.1:${q.port}`);
    const { page, log } = await openPage(t, b, token);
    // The VGA text cursor blinks: the canvas must equal the screen just before or just after.
    await canvasMatches(page, log, `the canvas to equal QEMU's screen (${ic})`, d.dump);
    assert.match(await statusText(page), /^Connected/);
    assert.deepEqual(log.filter((l) => /page error|spice-ts:/.test(l)), [], 'no page or viewer errors');
    await page.close();
    await waitUntil('the session to end and be logged', () => gw!.ended.some((r) => r.token === token), { timeoutMs: 10_000 });
    const r = gw!.ended.find((x) => x.token === token)!;
    assert.equal(r.target, `127.0.0.1:${q.port}`);
    assert.ok(r.channels >= 3 && r.bytesDown > 10_000 && r.bytesUp > 0, `channels ${r.channels}, bytes ${r.bytesUp} up ${r.bytesDown} down`);
    assert.ok(gw!.logs.some((l) => l.startsWith('session end') && l.includes(`token=${token}`)));
  });
}

for (const ic of ['auto_glz', 'quic'] as const) {
  test(`through the gateway, the viewer equals Xspice's X framebuffer with X clients (image compression ${ic})`, async (t) => {
    if (!needPeers(t, 'Xspice', 'import', 'xterm', 'xdotool', 'convert')) return;
    const b = await ready(t);
    if (!b) return;
    const x = await startXspice({ demo: false, driverOptions: { SpiceImageCompression: ic } });
    t.after(() => x.stop());
    await startScene(x);
    const token = addToken(`spice://127.0.0.1:${x.port}`);
    const { page, log } = await openPage(t, b, token);
    // The scene is still: read the X screen again only now and then (import is slow).
    let root = { img: await settledRoot(x), at: Date.now() };
    const expected = async () => {
      if (Date.now() - root.at > 5000) root = { img: await settledRoot(x), at: Date.now() };
      return [root.img];
    };
    await canvasMatches(page, log, `the canvas to equal the X screen (${ic})`, expected);
    assert.match(await statusText(page), /^Connected/);
  });
}

test('an unknown token is refused, and the page says so in its status line', async (t) => {
  const b = await ready(t);
  if (!b) return;
  const { page } = await openPage(t, b, 'no-such-token');
  await waitUntil('the refusal to show', async () => /unknown token/.test(await statusText(page)), { timeoutMs: 10_000 }).catch(() => undefined);
  assert.match(await statusText(page), /unknown token/);
  assert.equal(await page.evaluate(() => document.getElementById('status')!.dataset.state), 'disconnected');
  assert.ok(gw!.logs.some((l) => /refused client=127\.0\.0\.1 token=no-such-token: unknown token/.test(l)));
});

test('a token with the password (TLS upstream, the token\'s CA): the page connects with no password typed; a wrong one is shown', async (t) => {
  if (!needPeers(t, 'qemu-system-x86_64', 'openssl')) return;
  const b = await ready(t);
  if (!b) return;
  const pki = await makePki();
  const q = await startQemu({ password: 'right', tls: { x509Dir: pki.dir } });
  const d = screendumper(q);
  t.after(async () => { await q.stop(); d.remove(); pki.remove(); });
  const token = addToken(`spice://127.0.0.1?tls-port=${q.tlsPort}`, `password=right ca-file=${pki.caCert}`);
  const { page, log } = await openPage(t, b, token);
  await canvasMatches(page, log, 'the canvas to equal QEMU\'s screen (password by the gateway, TLS upstream)', d.dump);
  assert.match(await statusText(page), /^Connected/);
  assert.equal(await page.isVisible('#password'), false, 'no password prompt');
  await page.close();

  const wrong = addToken(`spice://127.0.0.1?tls-port=${q.tlsPort}`, `password=wrong ca-file=${pki.caCert}`);
  const w = await openPage(t, b, wrong);
  // The page typed no password, so the viewer words the server's PERMISSION_DENIED this way.
  await waitUntil('the refusal', async () => (await statusText(w.page)) === 'The server needs a password.', { timeoutMs: 10_000 })
    .catch(() => undefined);
  assert.equal(await statusText(w.page), 'The server needs a password.');
  assert.match(await w.page.evaluate(() => document.getElementById('status')!.title), /ERR_AUTH_FAILED.*PERMISSION_DENIED/);

  // The server's certificate is checked: without the CA (and no --ca-file) the link fails.
  const noCa = addToken(`spice://127.0.0.1?tls-port=${q.tlsPort}`, 'password=right');
  const n = await openPage(t, b, noCa);
  await waitUntil('the TLS failure', async () => /TLS connection to the SPICE server failed/.test(await statusText(n.page)), { timeoutMs: 10_000 })
    .catch(() => undefined);
  assert.match(await statusText(n.page), /TLS connection to the SPICE server failed/);
  assert.ok(gw!.logs.some((l) => /cannot reach tls:\/\/127\.0\.0\.1:\d+ .*TLS/.test(l)), 'the gateway logs the TLS failure');
});

test('`spice-ts gateway --target ... --tls-cert --tls-key`: https page, wss channels, the password given by the gateway, a log line at the end', async (t) => {
  if (!needPeers(t, 'openssl')) return;
  const pki = await makePki();
  t.after(() => pki.remove());
  const source = createDemoSource({ animate: false, width: 400, height: 300, clock: () => new Date(Date.UTC(2026, 0, 1)) });
  const server = createServer({ source, crypto: nodeTicketCrypto, password: 'pw', log: () => {} });
  await server.start();
  const sl = await listen(server, { listen: '127.0.0.1:0', websocket: false });
  t.after(() => sl.close());
  const pages = makeTempDir('gw-pages');
  t.after(() => removeTempDir(pages));
  writeFileSync(join(pages, 'index.html'), '<!doctype html><title>viewer</title>');
  // The command as `spice-ts gateway` runs it, from this build.
  const mainJs = new URL('../../src/cli/main.js', import.meta.url).href;
  const child = spawn(process.execPath, ['--input-type=module', '-e',
    `const { main } = await import(${JSON.stringify(mainJs)}); process.exitCode = await main(process.argv.slice(1));`,
    'gateway', '--target', `spice://127.0.0.1:${sl.addresses.port}?password=pw`, '--listen', '127.0.0.1:0',
    '--tls-cert', pki.serverCert, '--tls-key', pki.serverKey, '--viewer-dir', pages], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  await waitUntil('the gateway to listen', () => /listening on https:\/\/127\.0\.0\.1:\d+\//.test(stdout), { timeoutMs: 10_000 });
  const url = /https:\/\/127\.0\.0\.1:\d+\//.exec(stdout)![0];
  assert.match(stdout, /every connection goes to 127\.0\.0\.1:\d+ \(the gateway gives the password\)/);
  const ca = readFileSync(pki.caCert);
  const page = await new Promise<{ status: number; body: string; csp?: string }>((resolve, reject) => {
    https.get(url, { ca }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve({ status: res.statusCode!, body, csp: res.headers['content-security-policy'] as string | undefined }));
    }).on('error', reject);
  });
  assert.equal(page.status, 200);
  assert.match(page.body, /<title>viewer<\/title>/);
  assert.ok(page.csp, 'the page comes with its Content-Security-Policy');
  const opener = webSocketOpener(url.replace('https:', 'wss:'), {
    factory: (u, p) => new WebSocket(u, p, { ca }) as unknown as WebSocketLike,
  });
  const session = await SpiceSession.connect({
    ...opener, crypto: nodeTicketCrypto, password: '', channels: ['display'],
    decoders: (sh) => defaultDecoders({ glzWindowPixels: sh.glzWindowPixels }),
  });
  await waitUntil('the picture', () => session.primary()?.width === 400, { timeoutMs: 10_000 });
  await session.disconnect();
  await waitUntil('the session log line', () => /session end: client=127\.0\.0\.1 token=- target=127\.0\.0\.1:\d+ session=0x[0-9a-f]{8} channels=2 /.test(stderr), { timeoutMs: 10_000 });
  assert.doesNotMatch(stderr, /pw/, 'the password is never logged');
  child.kill('SIGINT');
  assert.equal(await exited, 0, `the gateway stops cleanly on SIGINT: ${stderr}`);
});
