/**
 * The SPICE WebSocket gateway (Node): each WebSocket a browser opens carries one SPICE
 * channel, relayed to the server's TCP, UNIX or TLS port. The browser chooses the server only
 * through an opaque token in the URL (`ws://gw/?token=abc`), never by a host name; a token
 * may carry the password, which the gateway turns into the ticket itself. It enforces
 * limits per token and per browser address, a link timeout and an idle timeout, closes all
 * channels of a session when one fails, and logs one line per session.
 *
 * Refusals (unknown token, limits) accept the WebSocket and close it at once with code 1008
 * and the reason: a browser can show a close reason, never an HTTP status.
 */
import type net from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import { Emitter } from '../channel/emitter.js';
import { ChannelType, LinkErr, enumName } from '../protocol/enums/index.js';
import { ErrorCode, SpiceError, toSpiceError } from '../protocol/errors.js';
import { nodeTicketCrypto } from '../protocol/crypto/node-ticket.js';
import type { TicketCrypto } from '../protocol/crypto/ticket.js';
import type { LinkMess } from '../protocol/link/messages.js';
import { Admission, type AdmissionOptions } from './admission.js';
import { LinkRelay } from './link-relay.js';
import { openUpstream } from './upstream.js';
import { GatewaySession, formatSessionRecord, type SessionMember, type SessionRecord } from './session.js';
import { TOKEN_PATTERN, describeGatewayTarget, type GatewayTarget } from './tokens.js';

export interface GatewayLimits {
  /** Sessions at once through one token (a token entry's max-sessions overrides). Default 4. */
  maxSessionsPerToken: number;
  /** Sessions at once from one browser address. Default 16. */
  maxSessionsPerAddress: number;
  /** WebSocket connections at once through one token (max-connections overrides). Default 64. */
  maxConnectionsPerToken: number;
  /** WebSocket connections at once from one address. Default 128. */
  maxConnectionsPerAddress: number;
  /** A session with no byte either way for this long is closed; 0: never. Default 30 min. */
  idleTimeoutMs: number;
  /** A channel must finish its link stage within this. Default 20 s. */
  linkTimeoutMs: number;
  /** Largest WebSocket message a browser may send, bytes. Default 1 MiB. */
  maxMessageSize: number;
  /** Connecting (and the TLS handshake) to the server. Default 10 s. */
  upstreamTimeoutMs: number;
}

export const GATEWAY_DEFAULTS: GatewayLimits = {
  maxSessionsPerToken: 4,
  maxSessionsPerAddress: 16,
  maxConnectionsPerToken: 64,
  maxConnectionsPerAddress: 128,
  idleTimeoutMs: 30 * 60_000,
  linkTimeoutMs: 20_000,
  maxMessageSize: 1 << 20,
  upstreamTimeoutMs: 10_000,
};

/** Where tokens are looked up: a TokenFile, or any map of token to target. */
export interface TokenSource {
  lookup(token: string): GatewayTarget | undefined;
}

export interface GatewayOptions extends Partial<GatewayLimits>, AdmissionOptions {
  /** One fixed target for every connection (no token needed); or use `tokens`. */
  target?: GatewayTarget;
  tokens?: TokenSource;
  /** CA file for TLS upstreams whose token names none. */
  caFile?: string;
  /** Do not check upstream certificates (tests only). */
  insecureUpstream?: boolean;
  crypto?: TicketCrypto;
  log?: (line: string) => void;
}

export interface GatewayEvents {
  'session-end': SessionRecord;
  refused: { address: string; token?: string; reason: string };
}

/** Browser bytes waiting while the server is slow; past this the WebSocket is paused. */
const UPSTREAM_HIGH_WATER = 4 << 20;
const CLIENT_LOW_WATER = 1 << 20;

const truncate = (s: string) => {
  // A close reason is at most 123 bytes of UTF-8.
  let out = s;
  while (Buffer.byteLength(out) > 123) out = out.slice(0, -2);
  return out === s ? s : `${out.slice(0, -1)}…`;
};

/** One browser WebSocket (one channel) and its server connection. */
class Channel implements SessionMember {
  isMain = false;
  linked = false;
  up = 0;
  down = 0;
  ended = false;
  session?: GatewaySession;
  readonly opened = Date.now();
  private upstream?: net.Socket;
  private pending: Uint8Array[] = [];
  private backlog = 0;
  private upstreamPaused = false;
  private wsPaused = false;
  readonly relay: LinkRelay;

  constructor(private readonly gw: Gateway, readonly ws: WebSocket, readonly address: string, readonly token: string,
    readonly entry: GatewayTarget) {
    this.relay = new LinkRelay({
      password: entry.password, crypto: gw.crypto,
      toServer: (b) => this.toServer(b),
      toClient: (b) => this.toClient(b),
      onLinkMess: (m) => this.onLinkMess(m),
      onResult: (code) => {
        if (code === LinkErr.OK) this.linked = true;
        else this.gw.log(`link refused by the server: ${enumName(LinkErr, code)} (client ${address}, token ${token || '-'})`);
      },
      onReply: (r) => { if (r.error !== LinkErr.OK) this.gw.log(`link refused by the server: ${enumName(LinkErr, r.error)} (client ${address})`); },
      onSessionId: (id) => this.gw.sessionIdKnown(this, id),
      onError: (e) => this.end(1002, `protocol error: ${e.message}`, true),
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (!isBinary) {
        // SPICE is binary; text frames come from base64-speaking websockify clients.
        this.end(1003, 'text messages are not SPICE data (send binary messages)', true);
        return;
      }
      const chunks = Array.isArray(data) ? data : [data];
      for (const c of chunks) {
        const b = c instanceof ArrayBuffer ? new Uint8Array(c) : new Uint8Array(c.buffer, c.byteOffset, c.byteLength);
        if (b.length === 0 || this.ended) continue;
        this.up += b.length;
        this.session?.activity();
        this.relay.fromClient(b);
      }
    });
    ws.on('close', (code: number, reason: Buffer) => {
      const clean = code === 1000 || code === 1001 || code === 1005;
      this.end(code, clean ? 'the viewer left' : `the browser's WebSocket closed (${code}${reason.length ? ` ${reason.toString()}` : ''})`, !clean);
    });
    ws.on('error', (e: Error & { code?: string }) => {
      const big = e.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';
      this.end(big ? 1009 : 1002, big ? `a message was larger than ${gw.limits.maxMessageSize} bytes` : `WebSocket error: ${e.message}`, true);
    });
  }

  private onLinkMess(m: LinkMess): void {
    this.isMain = m.channelType === ChannelType.MAIN;
    const refusal = this.gw.place(this, m);
    if (refusal) {
      this.relay.stop();
      this.gw.refusedLog(this.address, this.token, refusal);
      this.end(1008, refusal, false);
      return;
    }
    openUpstream(this.entry, { caFile: this.gw.caFile, timeoutMs: this.gw.limits.upstreamTimeoutMs, insecure: this.gw.insecure })
      .then((s) => this.attach(s), (e: unknown) => {
        const err = toSpiceError(e, ErrorCode.CONNECT);
        this.gw.log(`cannot reach ${describeGatewayTarget(this.entry)} for client ${this.address}: ${err.message}`);
        this.end(1011, err.code === ErrorCode.TLS ? 'the TLS connection to the SPICE server failed' : 'cannot reach the SPICE server', true);
      });
  }

  private attach(s: net.Socket): void {
    if (this.ended) { s.destroy(); return; }
    this.upstream = s;
    s.on('data', (b: Buffer) => {
      if (this.ended) return;
      this.down += b.length;
      this.session?.activity();
      this.relay.fromServer(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
    });
    s.on('error', (e: NodeJS.ErrnoException) => this.end(1011, `the connection to the SPICE server failed (${e.code ?? e.message})`, true));
    s.on('end', () => this.end(1000, this.linked ? 'the SPICE server closed the channel' : 'the SPICE server ended the link', this.linked));
    s.on('close', () => this.end(1000, 'the SPICE server closed the channel', this.linked));
    for (const b of this.pending.splice(0)) this.writeUpstream(b);
  }

  private toServer(b: Uint8Array): void {
    if (this.upstream) this.writeUpstream(b);
    else this.pending.push(b);
  }

  private writeUpstream(b: Uint8Array): void {
    const s = this.upstream!;
    if (!s.write(b) && !this.wsPaused) {
      this.wsPaused = true;
      this.ws.pause();
      s.once('drain', () => { this.wsPaused = false; if (!this.ended) this.ws.resume(); });
    }
  }

  private toClient(b: Uint8Array): void {
    if (this.ended) return;
    this.backlog += b.length;
    this.ws.send(b, { binary: true }, () => {
      this.backlog -= b.length;
      if (this.upstreamPaused && this.backlog < CLIENT_LOW_WATER) {
        this.upstreamPaused = false;
        this.upstream?.resume();
      }
    });
    if (!this.upstreamPaused && this.backlog > UPSTREAM_HIGH_WATER && this.upstream) {
      this.upstreamPaused = true;
      this.upstream.pause();
    }
  }

  /** Closed by its session (another channel failed, idle, shutdown). */
  close(code: number, reason: string): void {
    this.end(code, reason, code !== 1000);
  }

  /** Ends both sides once; `failed` decides whether the session's other channels follow. */
  end(code: number, reason: string, failed: boolean): void {
    if (this.ended) return;
    this.ended = true;
    this.relay.stop();
    const ws = this.ws;
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) {
      try { ws.close(code, truncate(reason)); } catch { ws.terminate(); }
      setTimeout(() => { if (ws.readyState !== ws.CLOSED) ws.terminate(); }, 2000).unref();
    }
    const up = this.upstream;
    if (up && !up.destroyed) {
      if (failed) up.destroy();
      else { up.end(); setTimeout(() => up.destroy(), 1000).unref(); }
    }
    this.gw.channelEnded(this, reason, failed);
  }
}

const seconds = (ms: number) => `${ms % 1000 === 0 ? ms / 1000 : (ms / 1000).toFixed(1)} s`;
const count = (m: Map<string, number>, k: string) => m.get(k) ?? 0;
const bump = (m: Map<string, number>, k: string, d: number) => {
  const n = count(m, k) + d;
  if (n <= 0) m.delete(k); else m.set(k, n);
};

export class Gateway extends Emitter<GatewayEvents> {
  readonly limits: GatewayLimits;
  readonly crypto: TicketCrypto;
  readonly caFile?: string;
  readonly insecure: boolean;
  readonly log: (line: string) => void;
  private readonly wss: WebSocketServer;
  private readonly channels = new Set<Channel>();
  readonly sessions = new Set<GatewaySession>();
  private readonly byId = new Map<string, GatewaySession>();
  private readonly connsByAddress = new Map<string, number>();
  private readonly connsByToken = new Map<string, number>();
  private readonly sessionsByAddress = new Map<string, number>();
  private readonly sessionsByToken = new Map<string, number>();
  private timer?: ReturnType<typeof setInterval>;
  private closed = false;
  private readonly admission: Admission;

  constructor(private readonly opts: GatewayOptions) {
    super();
    if (!opts.target === !opts.tokens) {
      throw new SpiceError(ErrorCode.BAD_ARGUMENT, 'a gateway needs either one fixed target or a token source (not both)');
    }
    const limits = { ...GATEWAY_DEFAULTS };
    for (const k of Object.keys(GATEWAY_DEFAULTS) as (keyof GatewayLimits)[]) {
      const v = opts[k];
      if (v === undefined) continue;
      if (!Number.isFinite(v) || v < 0 || (v === 0 && k !== 'idleTimeoutMs')) {
        throw new SpiceError(ErrorCode.BAD_ARGUMENT, `gateway option ${k} must be a positive number`);
      }
      limits[k] = v;
    }
    this.limits = limits;
    this.admission = new Admission(opts);
    this.crypto = opts.crypto ?? nodeTicketCrypto;
    this.caFile = opts.caFile;
    this.insecure = !!opts.insecureUpstream;
    this.log = opts.log ?? (() => {});
    this.wss = new WebSocketServer({
      noServer: true, perMessageDeflate: false, maxPayload: limits.maxMessageSize,
      // The viewer and spice-html5 ask for "binary"; websockify-style clients may ask for nothing.
      handleProtocols: (p) => (p.has('binary') ? 'binary' : p.values().next().value ?? false),
    });
    const tick = Math.max(100, Math.min(5000, Math.floor(Math.min(limits.linkTimeoutMs, limits.idleTimeoutMs || Infinity) / 4)));
    this.timer = setInterval(() => this.sweep(), tick);
    this.timer.unref();
  }

  /** Active channels (WebSocket connections). */
  get connections(): number {
    return this.channels.size;
  }

  /** Hands an HTTP upgrade request (from an http/https server's 'upgrade' event) to the gateway. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const address = this.admission.address(req);
    let token: string | undefined;
    try {
      token = new URL(req.url ?? '/', 'http://gateway').searchParams.get('token') ?? undefined;
    } catch {
      token = undefined;
    }
    const key = this.opts.target ? '' : token ?? '';
    const admitted = this.target(req, address, token);
    const entry = admitted.entry;
    let refusal = admitted.refusal;
    if (!refusal && count(this.connsByAddress, address) >= this.limits.maxConnectionsPerAddress) {
      refusal = `too many connections from your address (at most ${this.limits.maxConnectionsPerAddress})`;
    }
    const perToken = entry?.maxConnections ?? this.limits.maxConnectionsPerToken;
    if (!refusal && count(this.connsByToken, key) >= perToken) refusal = `too many connections for this token (at most ${perToken})`;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      if (refusal || !entry) {
        this.refusedLog(address, token, refusal ?? 'unknown token');
        ws.close(1008, truncate(refusal ?? 'unknown token'));
        setTimeout(() => ws.terminate(), 2000).unref();
        return;
      }
      const c = new Channel(this, ws, address, key, entry);
      this.channels.add(c);
      bump(this.connsByAddress, address, 1);
      bump(this.connsByToken, key, 1);
    });
  }

  /** The target a new WebSocket may reach, or why it may not. */
  private target(req: IncomingMessage, address: string, token: string | undefined): { entry?: GatewayTarget; refusal?: string } {
    if (this.closed) return { refusal: 'the gateway is shutting down' };
    const refusal = this.admission.originRefusal(req);
    if (refusal) return { refusal };
    if (this.opts.target) return { entry: this.opts.target };
    if (!token) return { refusal: 'this gateway needs a token in the page address (?token=...)' };
    const throttled = this.admission.throttled(address);
    if (throttled) return { refusal: throttled };
    const entry = TOKEN_PATTERN.test(token) ? this.opts.tokens!.lookup(token) : undefined;
    if (entry) return { entry };
    this.admission.unknownToken(address);
    return { refusal: 'unknown token' };
  }

  refusedLog(address: string, token: string | undefined, reason: string): void {
    this.log(`refused client=${address} token=${token === undefined || token === '' ? '-' : token.slice(0, 64)}: ${reason}`);
    this.emit('refused', { address, token, reason });
  }

  /** Puts a channel in its session (a new one for main); returns a refusal, if any. */
  place(c: Channel, m: LinkMess): string | undefined {
    let s = c.isMain ? undefined : this.byId.get(`${c.token}\0${m.connectionId}`);
    if (s?.finished) s = undefined;
    if (!s) {
      const perToken = c.entry.maxSessions ?? this.limits.maxSessionsPerToken;
      if (count(this.sessionsByToken, c.token) >= perToken) return `too many sessions for this token (at most ${perToken})`;
      if (count(this.sessionsByAddress, c.address) >= this.limits.maxSessionsPerAddress) {
        return `too many sessions from your address (at most ${this.limits.maxSessionsPerAddress})`;
      }
      s = new GatewaySession(c.address, c.token, c.entry, describeGatewayTarget(c.entry), (done, r) => this.sessionFinished(done, r));
      if (!c.isMain && m.connectionId !== 0) s.sessionId = m.connectionId;
      this.sessions.add(s);
      bump(this.sessionsByToken, c.token, 1);
      bump(this.sessionsByAddress, c.address, 1);
    }
    c.session = s;
    s.add(c);
    return undefined;
  }

  sessionIdKnown(c: Channel, id: number): void {
    const s = c.session;
    if (!s || s.finished) return;
    s.sessionId = id;
    this.byId.set(`${c.token}\0${id}`, s);
  }

  channelEnded(c: Channel, reason: string, failed: boolean): void {
    if (!this.channels.delete(c)) return;
    bump(this.connsByAddress, c.address, -1);
    bump(this.connsByToken, c.token, -1);
    c.session?.memberEnded(c, reason, failed);
  }

  private sessionFinished(s: GatewaySession, r: SessionRecord): void {
    this.sessions.delete(s);
    bump(this.sessionsByToken, s.token, -1);
    bump(this.sessionsByAddress, s.address, -1);
    if (s.sessionId !== undefined && this.byId.get(`${s.token}\0${s.sessionId}`) === s) this.byId.delete(`${s.token}\0${s.sessionId}`);
    this.log(formatSessionRecord(r));
    this.emit('session-end', r);
  }

  /** Link and idle timeouts. */
  private sweep(): void {
    this.admission.sweep();
    const now = Date.now();
    for (const c of [...this.channels]) {
      if (!c.linked && now - c.opened > this.limits.linkTimeoutMs) {
        c.end(1008, `the link stage took longer than ${seconds(this.limits.linkTimeoutMs)}`, false);
      }
    }
    const idle = this.limits.idleTimeoutMs;
    if (idle > 0) {
      for (const s of [...this.sessions]) {
        if (now - s.lastActivity > idle) {
          const words = `no activity for ${seconds(idle)}`;
          s.closeAll(1001, `idle: ${words}`, { reason: `idle timeout (${words})`, failed: false });
        }
      }
    }
  }

  /** Closes every session (1001) and stops taking connections. */
  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    for (const s of [...this.sessions]) s.closeAll(1001, 'the gateway is shutting down', { reason: 'the gateway shut down', failed: false });
    for (const c of [...this.channels]) c.end(1001, 'the gateway is shutting down', false);
    this.wss.close();
  }
}

export function createGateway(opts: GatewayOptions): Gateway {
  return new Gateway(opts);
}
