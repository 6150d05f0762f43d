/**
 * The client's guest-agent protocol (src/client/agent.ts) against spice-ts's own server
 * (which plays the agent) over loopback, with the demo source:
 * - clipboard text both ways, larger than one agent_data piece and non-ASCII, with the
 *   token windows of both directions counted on the server side;
 * - asking for the guest's clipboard without a grab; resizeGuest (debounced) resizing the
 *   source; bad agent data reported with a code while the session goes on, the agent coming
 *   back after AGENT_CONNECTED_TOKENS; the stream reassembled from pieces cut anywhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type SpiceServer } from '../../src/server/server.js';
import { listen } from '../../src/server/listen.js';
import { createDemoSource, type DemoSource } from '../../src/server/sources/demo.js';
import { ServerAgent } from '../../src/server/agent.js';
import type { Viewer } from '../../src/server/viewer.js';
import { nodeTicketCrypto } from '../../src/protocol/crypto/node-ticket.js';
import { connect } from '../../src/client/node.js';
import type { SpiceSession } from '../../src/client/session.js';
import { AgentClient, type AgentClientOptions, type AgentMainMessage } from '../../src/client/agent.js';
import { ErrorCode, SpiceError } from '../../src/protocol/errors.js';
import { encode } from '../../src/protocol/wire/codec.js';
import {
  AGENT_MAX_DATA, AGENT_PROTOCOL, AgentAnnounceCaps, AgentCap, AgentClipboard, AgentHeader, AgentMsg, ClipboardType,
} from '../../src/protocol/schema/agent.js';
import { main } from '../../src/cli/main.js';
import { until } from '../helpers/pair.js';

type Ctx = { after(fn: () => unknown): void };

/** What crossed the agent stream, counted where the server sees it. */
interface Counts {
  /** agent_data the server received from the client, and tokens it returned (when actually sent). */
  fromClient: number;
  tokensToClient: number;
  /** agent_data the server sent, and the tokens the client gave (AGENT_START + AGENT_TOKEN). */
  toClient: number;
  tokensFromClient: number;
  violations: string[];
}

const SERVER_WINDOW = 10; // ServerAgent's default window (MAIN_INIT agent_tokens)

/**
 * Counts both token windows on the server's agent, and returns its tokens late (2 ms), so
 * a client that did not wait for them would be caught.
 */
function instrumentAgent(t: Ctx): Counts {
  const c: Counts = { fromClient: 0, tokensToClient: 0, toClient: 0, tokensFromClient: 0, violations: [] };
  const proto = ServerAgent.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const saved = { receive: proto.receive!, start: proto.start!, tokens: proto.tokens! };
  const wrapHost = (agent: object) => {
    const a = agent as { host: { sendMain: (n: string, b: Record<string, unknown>) => void; wrapped?: boolean } };
    if (a.host.wrapped) return;
    const orig = a.host.sendMain.bind(a.host);
    a.host.wrapped = true;
    a.host.sendMain = (name, body) => {
      if (name === 'agent_token') {
        setTimeout(() => { c.tokensToClient += body.num_tokens as number; orig(name, body); }, 2);
        return;
      }
      if (name === 'agent_data') {
        c.toClient++;
        if (c.toClient > c.tokensFromClient) c.violations.push(`server sent piece ${c.toClient} with ${c.tokensFromClient} tokens`);
      }
      orig(name, body);
    };
  };
  proto.start = function (this: object, n: unknown) { wrapHost(this); c.tokensFromClient += n as number; return saved.start.call(this, n); };
  proto.tokens = function (this: object, n: unknown) { c.tokensFromClient += n as number; return saved.tokens.call(this, n); };
  proto.receive = function (this: object, d: unknown) {
    wrapHost(this);
    c.fromClient++;
    if (c.fromClient > SERVER_WINDOW + c.tokensToClient) c.violations.push(`client sent piece ${c.fromClient} with ${SERVER_WINDOW + c.tokensToClient} tokens`);
    if ((d as Uint8Array).length > AGENT_MAX_DATA) c.violations.push(`a piece of ${(d as Uint8Array).length} bytes`);
    return saved.receive.call(this, d);
  };
  t.after(() => Object.assign(proto, saved));
  return c;
}

async function start(t: Ctx, agent: AgentClientOptions = {}) {
  const source = createDemoSource({ animate: false, clock: () => new Date(Date.UTC(2026, 0, 1)) }) as DemoSource;
  const logs: string[] = [];
  const server: SpiceServer = createServer({ source, crypto: nodeTicketCrypto, disableTicketing: true, log: (l) => logs.push(l) });
  await server.start();
  const l = await listen(server, { listen: '127.0.0.1:0' });
  t.after(() => l.close());
  const port = l.addresses.port!;
  const agentLog: string[] = [];
  const session = await connect(`spice://127.0.0.1:${port}`, {
    channels: [], agent: { log: (line) => agentLog.push(line), ...agent },
  });
  t.after(() => session.close());
  await session.agent.whenReady(5000);
  const viewer: Viewer = [...server.viewers.values()][0]!;
  return { server, source, session, viewer, logs, agentLog, port };
}

function nextClipboard(s: SpiceSession, want: string, ms = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error('the guest clipboard did not arrive')); }, ms);
    const off = s.on('clipboard', ({ text }) => { if (text === want) { clearTimeout(timer); off(); resolve(); } });
  });
}

/** Text of about `bytes` UTF-8 bytes with 1-, 2-, 3- and 4-byte characters and newlines. */
function bigText(bytes: number, tag: string): string {
  const unit = `${tag} Grüße, 東京, 𝄞 ok\n`;
  return unit.repeat(Math.ceil(bytes / new TextEncoder().encode(unit).length));
}

test('clipboard text crosses both ways in many pieces, UTF-8 intact, within both token windows', async (t) => {
  const counts = instrumentAgent(t);
  const { session, source } = await start(t, { tokens: 4 });
  assert.equal(session.agent.state.clipboard, true);
  assert.ok(session.agent.state.caps.includes(AgentCap.CLIPBOARD_SELECTION), 'the agent announced its capabilities');

  // Client -> guest: ~60 KiB, about 30 pieces against a 10-token window returned late.
  const up = bigText(60_000, 'up');
  const before = counts.fromClient;
  session.setClipboard(up);
  await until(() => source.clipboardText() === up, 10_000);
  const pieces = counts.fromClient - before;
  assert.ok(pieces >= Math.ceil((new TextEncoder().encode(up).length + 28) / AGENT_MAX_DATA),
    `the text went in ${pieces} pieces of at most ${AGENT_MAX_DATA} bytes`);
  assert.ok(counts.tokensToClient > 0, 'the server returned tokens and the client used them');

  // Guest -> client: ~40 KiB against the client's window of 4.
  const down = bigText(40_000, 'down');
  const got = nextClipboard(session, down);
  const sentBefore = counts.toClient;
  source.setSourceClipboard(down);
  await got;
  assert.ok(counts.toClient - sentBefore > 4 * 2, `the server needed the client's returned tokens (${counts.toClient - sentBefore} pieces)`);
  assert.deepEqual(counts.violations, [], 'no piece was sent without a token, none was too big');

  // A short one after the long ones: the stream is still in step.
  const short = nextClipboard(session, 'ça va');
  source.setSourceClipboard('ça va');
  await short;
  session.setClipboard('✓ done');
  await until(() => source.clipboardText() === '✓ done', 5000);
});

test('requestClipboard asks the guest without a grab: null when it holds nothing, its text when it does', async (t) => {
  const { session, source } = await start(t);
  assert.equal(await session.agent.requestClipboard(3000), null, 'nothing on the guest clipboard yet');
  const seen: string[] = [];
  session.on('clipboard', ({ text }) => seen.push(text));
  source.setSourceClipboard('copied in the guest');
  await until(() => seen.includes('copied in the guest'), 5000);
  assert.equal(await session.agent.requestClipboard(3000), 'copied in the guest');
});

test('clipboard text over the limit is refused when set, skipped with ERR_LIMIT when received', async (t) => {
  const { session, source, agentLog } = await start(t, { maxClipboardBytes: 1000 });
  assert.throws(() => session.setClipboard('é'.repeat(501)), (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.LIMIT);
  const errors: SpiceError[] = [];
  session.on('error', (e) => errors.push(e));
  source.setSourceClipboard('x'.repeat(5000));
  await until(() => errors.length > 0, 5000);
  assert.equal(errors[0]!.code, ErrorCode.LIMIT);
  assert.ok(agentLog.some((l) => /ERR_LIMIT/.test(l)), 'the error is logged');
  // Skipped, not fatal: the next text arrives.
  const ok = nextClipboard(session, 'small again');
  source.setSourceClipboard('small again');
  await ok;
  assert.equal(session.agent.state.ready, true);
});

test('resizeGuest sends one monitors config after the burst, and the source takes the size', async (t) => {
  const { session, source } = await start(t, { monitorsDelayMs: 100 });
  const asked: string[] = [];
  const orig = source.resizeRequest!.bind(source);
  source.resizeRequest = (w, h) => { asked.push(`${w}x${h}`); orig(w, h); };
  const replies: boolean[] = [];
  session.agent.on('reply', (r) => { if (r.type === AgentMsg.MONITORS_CONFIG) replies.push(r.success); });
  for (const w of [700, 720, 760, 800]) session.resizeGuest(w, 600);
  await until(() => source.frame().width === 800 && source.frame().height === 600, 5000);
  await until(() => replies.length > 0, 2000);
  assert.deepEqual(asked, ['800x600'], 'only the last size of the burst is sent');
  assert.deepEqual(replies, [true], 'the agent replied');
  session.setMonitors([{ x: 0, y: 0, width: 640, height: 480 }]);
  await until(() => source.frame().width === 640, 5000);
  assert.throws(() => session.resizeGuest(-1, 10), (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.BAD_ARGUMENT);
});

test('bad agent data: a coded error, the session goes on, the agent works again once re-announced', async (t) => {
  const { session, source, viewer, agentLog } = await start(t);
  const errors: SpiceError[] = [];
  session.on('error', (e) => errors.push(e));
  let disconnected = false;
  session.on('disconnected', () => { disconnected = true; });
  const header = (protocol: number, type: number, size: number) => encode(AgentHeader, { protocol, type, opaque: 0n, size });
  viewer.main.send('agent_data', { data: header(7, AgentMsg.CLIPBOARD, 0) });
  await until(() => errors.length === 1, 3000);
  assert.equal(errors[0]!.code, ErrorCode.INCONSISTENT);
  assert.equal(errors[0]!.channel, 'main');
  assert.match(errors[0]!.message, /protocol 7/);
  assert.ok(agentLog.some((l) => /protocol 7/.test(l)), 'logged');
  assert.equal(session.agent.state.ready, false, 'the agent part stopped');
  assert.equal(session.main.closed, false, 'the main channel is still open');

  // The server announces the agent again: the client starts over.
  viewer.main.send('agent_connected_tokens', { num_tokens: 10 });
  await session.agent.whenReady(3000);
  // A clipboard grab too short for its selection field (both sides have CLIPBOARD_SELECTION).
  const bad = new Uint8Array([...header(AGENT_PROTOCOL, AgentMsg.CLIPBOARD_GRAB, 2), 0, 0]);
  viewer.main.send('agent_data', { data: bad });
  await until(() => errors.length === 2, 3000);
  assert.equal(errors[1]!.code, ErrorCode.TRUNCATED);
  viewer.main.send('agent_connected_tokens', { num_tokens: 10 });
  await session.agent.whenReady(3000);
  session.setClipboard('after the restart');
  await until(() => source.clipboardText() === 'after the restart', 5000);

  // The agent leaving and coming back: state follows, clipboard offered again.
  viewer.main.send('agent_disconnected', { error_code: 0 });
  await until(() => !session.agent.state.connected, 3000);
  session.setClipboard('while away');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(source.clipboardText(), 'after the restart', 'nothing is sent while the agent is away');
  viewer.main.send('agent_connected_tokens', { num_tokens: 10 });
  await until(() => source.clipboardText() === 'while away', 5000);
  assert.equal(disconnected, false);
  assert.equal(errors.length, 2);
});

test('`spice-ts clipboard set|get` against the demo source', async (t) => {
  const { source, port, server, session } = await start(t);
  // Only the first viewer's input (clipboard included) counts: leave the CLI the server.
  session.close();
  await until(() => server.viewers.size === 0, 3000);
  const run = async (...args: string[]) => {
    let out = '';
    let err = '';
    const code = await main(['clipboard', ...args, '--timeout', '5'], (x) => { out += x; }, (x) => { err += x; });
    return { code, out, err };
  };
  const target = `spice://127.0.0.1:${port}`;
  const set = await run('set', target, 'from the CLI ✓');
  assert.equal(set.code, 0, set.err);
  await until(() => source.clipboardText() === 'from the CLI ✓', 3000);
  source.setSourceClipboard('line 1\nzeile 2 — ü');
  const get = await run('get', target);
  assert.deepEqual([get.code, get.out], [0, 'line 1\nzeile 2 — ü']);
  assert.equal((await run('set', target)).code, 2, 'set without TEXT is a usage error');
});

test('the agent stream is reassembled from pieces cut anywhere, even inside the header', () => {
  const sent: AgentMainMessage[] = [];
  const a = new AgentClient((m) => sent.push(m), { tokens: 8, log: () => {} });
  a.setTokens(100);
  a.agentConnected();
  assert.deepEqual(sent.slice(0, 1), [{ name: 'agent_start', body: { num_tokens: 8 } }]);
  const texts: string[] = [];
  a.on('clipboard', ({ text }) => texts.push(text));
  const message = (type: number, body: Uint8Array) => {
    const h = encode(AgentHeader, { protocol: AGENT_PROTOCOL, type, opaque: 0n, size: body.length });
    return new Uint8Array([...h, ...body]);
  };
  const caps = message(AgentMsg.ANNOUNCE_CAPABILITIES, encode(AgentAnnounceCaps, {
    request: 0, caps: [(1 << AgentCap.CLIPBOARD_BY_DEMAND) | (1 << AgentCap.GUEST_LINEEND_CRLF)],
  }));
  const text = 'line one\r\nzwei – drei\r\n';
  const clip = message(AgentMsg.CLIPBOARD, encode(AgentClipboard, { type: ClipboardType.UTF8_TEXT, data: new TextEncoder().encode(text) }));
  const stream = new Uint8Array([...caps, ...clip, ...clip]);
  // Cut into 1..7-byte pieces.
  let pieces = 0;
  for (let at = 0, n = 1; at < stream.length; at += n, n = (n % 7) + 1, pieces++) a.receive(stream.subarray(at, at + n));
  assert.equal(a.state.ready, true);
  assert.deepEqual(texts, ['line one\nzwei – drei\n', 'line one\nzwei – drei\n'], 'CRLF guests: line ends become \\n');
  const returned = sent.filter((m) => m.name === 'agent_token').reduce((n, m) => n + (m.body as { num_tokens: number }).num_tokens, 0);
  assert.ok(returned <= pieces && returned > pieces - 8, `tokens handed back (${returned}) follow the pieces consumed (${pieces})`);
  // Text we offer goes out with CRLF line ends, only when asked.
  a.setClipboardText('a\nb');
  const grab = sent.at(-1)!;
  assert.equal(grab.name, 'agent_data');
  a.receive(message(AgentMsg.CLIPBOARD_REQUEST, new Uint8Array([ClipboardType.UTF8_TEXT, 0, 0, 0])));
  const reply = (sent.at(-1)!.body as { data: Uint8Array }).data;
  assert.equal(new TextDecoder().decode(reply.subarray(24)), 'a\r\nb');
  a.dispose();
});
