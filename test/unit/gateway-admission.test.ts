/**
 * The gateway's admission rules: the page's Origin (its own pages, listed origins, '*',
 * non-browser clients without Origin), refusing an address that guesses tokens, and the
 * client address taken from X-Forwarded-For only when told to trust it. First the rules
 * alone (fake clock), then through a listening gateway with real WebSockets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import { Admission, normalizeOrigin } from '../../src/gateway/admission.js';
import { Gateway, type GatewayOptions } from '../../src/gateway/gateway.js';
import { listenGateway } from '../../src/gateway/listen.js';
import { gatewayTarget } from '../../src/gateway/tokens.js';
import { isSpiceError } from '../../src/protocol/errors.js';

const req = (headers: Record<string, string>, remote = '10.0.0.9') =>
  ({ headers, socket: { remoteAddress: remote } }) as unknown as IncomingMessage;

test('normalizeOrigin keeps scheme://host[:port] and refuses anything else', () => {
  assert.equal(normalizeOrigin('HTTPS://Console.Example.com'), 'https://console.example.com');
  assert.equal(normalizeOrigin('http://a.example:8080/'), 'http://a.example:8080');
  assert.equal(normalizeOrigin('https://a.example:443'), 'https://a.example');
  assert.equal(normalizeOrigin('*'), '*');
  for (const bad of ['a.example', 'ftp://a.example', 'https://a.example/path', 'https://u:p@a.example', 'https://a.example?x=1', '']) {
    assert.equal(normalizeOrigin(bad), undefined, bad);
  }
  assert.throws(() => new Admission({ allowedOrigins: ['https://ok.example', 'not an origin'] }), (e: unknown) => isSpiceError(e) && /not an origin/.test(e.message));
});

test('origin: the gateway\'s own pages, listed origins and clients without Origin pass; other pages do not', () => {
  const a = new Admission({ allowedOrigins: ['https://portal.example'] });
  assert.equal(a.originRefusal(req({ host: 'gw.example:8080', origin: 'http://gw.example:8080' })), undefined);
  assert.equal(a.originRefusal(req({ host: 'gw.example:8080', origin: 'https://portal.example' })), undefined);
  assert.equal(a.originRefusal(req({ host: 'gw.example:8080' })), undefined, 'no Origin: not a browser page');
  assert.match(a.originRefusal(req({ host: 'gw.example:8080', origin: 'https://evil.example' }))!, /evil\.example may not connect/);
  assert.match(a.originRefusal(req({ host: 'gw.example:8080', origin: 'http://gw.example:9090' }))!, /may not connect/, 'another port is another origin');
  assert.match(a.originRefusal(req({ host: 'gw.example:8080', origin: 'null' }))!, /may not connect/);
  const any = new Admission({ allowedOrigins: ['*'] });
  assert.equal(any.originRefusal(req({ host: 'gw.example', origin: 'https://evil.example' })), undefined);
  assert.match(new Admission().originRefusal(req({ host: 'gw.example', origin: 'https://portal.example' }))!, /may not connect/, 'default: own pages only');
});

test('unknown tokens: the limit per address holds for the window, then resets; other addresses are not affected', () => {
  let now = 1000;
  const a = new Admission({ maxUnknownTokens: 3, unknownTokenWindowMs: 60_000 }, () => now);
  for (let i = 0; i < 3; i++) { assert.equal(a.throttled('1.1.1.1'), undefined); a.unknownToken('1.1.1.1'); }
  assert.match(a.throttled('1.1.1.1')!, /too many unknown tokens/);
  assert.equal(a.throttled('2.2.2.2'), undefined);
  now += 59_999;
  assert.match(a.throttled('1.1.1.1')!, /too many unknown tokens/);
  now += 1;
  assert.equal(a.throttled('1.1.1.1'), undefined, 'the window is over');
  a.unknownToken('1.1.1.1');
  assert.equal(a.throttled('1.1.1.1'), undefined, 'a new window starts from one');
  now += 120_000;
  a.sweep();
  assert.equal(a.throttled('1.1.1.1'), undefined);
  assert.throws(() => new Admission({ maxUnknownTokens: 0 }), (e: unknown) => isSpiceError(e));
});

test('the client address: the socket\'s, or the last X-Forwarded-For entry when trusted', () => {
  const h = { 'x-forwarded-for': '6.6.6.6, 203.0.113.7' };
  assert.equal(new Admission().address(req(h)), '10.0.0.9');
  assert.equal(new Admission({ trustForwardedFor: true }).address(req(h)), '203.0.113.7');
  assert.equal(new Admission({ trustForwardedFor: true }).address(req({})), '10.0.0.9');
});

type T = { after(fn: () => unknown): void };

async function gateway(t: T, opts: GatewayOptions) {
  const refused: { address: string; reason: string }[] = [];
  const gw = new Gateway({ log: () => {}, ...opts });
  gw.on('refused', (r) => refused.push(r));
  const l = await listenGateway(gw, { listen: '127.0.0.1:0', http: (_q, res) => res.end('page') });
  t.after(() => l.close());
  return { port: l.port!, refused };
}

function closeOf(url: string, headers: Record<string, string> = {}): Promise<{ code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const { origin, ...rest } = headers;
    const ws = new WebSocket(url, ['binary'], { headers: rest, ...(origin ? { origin } : {}) });
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    ws.on('error', reject);
  });
}

test('through a gateway: a foreign page is refused before its token is looked at; the own page and listed origins get to the token check', async (t) => {
  const g = await gateway(t, { tokens: { lookup: () => undefined }, allowedOrigins: ['https://portal.example'] });
  const url = `ws://127.0.0.1:${g.port}/?token=nope`;
  const foreign = await closeOf(url, { origin: 'https://evil.example' });
  assert.equal(foreign.code, 1008);
  assert.match(foreign.reason, /evil\.example may not connect/);
  const own = await closeOf(url, { origin: `http://127.0.0.1:${g.port}` });
  assert.equal(own.reason, 'unknown token');
  const listed = await closeOf(url, { origin: 'https://portal.example' });
  assert.equal(listed.reason, 'unknown token');
});

test('through a gateway: guessing tokens gets an address refused, even with a good token, and the forwarded address is the one counted', async (t) => {
  const good = gatewayTarget('spice://127.0.0.1:1', {}, 't');
  const g = await gateway(t, { tokens: { lookup: (k) => (k === 'good' ? good : undefined) }, maxUnknownTokens: 2, trustForwardedFor: true });
  const from = (ip: string) => ({ 'x-forwarded-for': ip });
  for (const tok of ['a', 'b']) assert.equal((await closeOf(`ws://127.0.0.1:${g.port}/?token=${tok}`, from('198.51.100.1'))).reason, 'unknown token');
  const third = await closeOf(`ws://127.0.0.1:${g.port}/?token=good`, from('198.51.100.1'));
  assert.equal(third.code, 1008);
  assert.match(third.reason, /too many unknown tokens/);
  // Another (forwarded) address is not affected: its good token gets past admission (and then fails to reach port 1).
  const other = await closeOf(`ws://127.0.0.1:${g.port}/?token=good`, from('198.51.100.2'));
  assert.doesNotMatch(other.reason, /unknown token|too many/);
  assert.deepEqual(g.refused.slice(0, 3).map((r) => r.address), ['198.51.100.1', '198.51.100.1', '198.51.100.1']);
});
