/**
 * The guest agent, client side (spice-vdagent in the guest, or a server that plays it):
 * clipboard text both ways and guest resolution (monitors config), carried in MAIN
 * agent_data messages. Browser-safe (no Node APIs).
 *
 * The agent stream is a sequence of VDAgentMessage (20-byte header + body) cut into
 * agent_data pieces of at most AGENT_MAX_DATA bytes. Both directions are flow controlled by
 * tokens: each agent_data we send costs one of the tokens the server gave us (MAIN_INIT,
 * AGENT_CONNECTED_TOKENS, AGENT_TOKEN); the server may send us as many as we allowed in
 * AGENT_START, and we hand tokens back as we consume its pieces.
 *
 * Clipboard is "by demand": a GRAB announces that a side holds text, a REQUEST asks for
 * it, CLIPBOARD carries it. A guest GRAB is answered at once with a REQUEST for UTF-8 text,
 * so the text the guest copies arrives as a 'clipboard' event; text we offer
 * (setClipboardText) is only sent when the guest asks for it.
 *
 * Bad agent data never ends the session: it is reported (error event + log) and the agent
 * part stops until the server announces the agent again.
 */
import { Emitter } from '../channel/emitter.js';
import { AgentStreamReader } from '../protocol/agent-stream.js';
import { ErrorCode, SpiceError, toSpiceError } from '../protocol/errors.js';
import { decode, encode } from '../protocol/wire/codec.js';
import {
  AGENT_HEADER_SIZE, AGENT_MAX_DATA, AGENT_PROTOCOL, AgentAnnounceCaps, AgentCap, AgentClipboard, AgentClipboardGrab,
  AgentClipboardRequest, AgentHeader, AgentMonitorsConfig, AgentMsg, AgentReply, AgentResult, ClipboardType,
} from '../protocol/schema/agent.js';

export interface AgentClientOptions {
  /** Agent pieces the server may send before we hand tokens back (AGENT_START). Default 64. */
  tokens?: number;
  /** Largest clipboard text accepted or sent, bytes of UTF-8. Default 16 MiB. */
  maxClipboardBytes?: number;
  /** Largest other agent message accepted, bytes. Default 64 KiB. */
  maxMessageBytes?: number;
  /** Quiet time before a changed monitors config is sent (window resizes come in bursts), ms. Default 300. */
  monitorsDelayMs?: number;
  /** Where problems are logged. Default console.warn. */
  log?: (line: string) => void;
}

/** What the agent can do for us now. */
export interface AgentState {
  /** The server reports an agent. */
  connected: boolean;
  /** Capabilities exchanged: the agent is usable. */
  ready: boolean;
  /** Clipboard text both ways (CLIPBOARD_BY_DEMAND). */
  clipboard: boolean;
  /** Guest resolution changes (MONITORS_CONFIG). */
  monitorsConfig: boolean;
  /** Every capability the agent announced (AgentCap numbers). */
  caps: number[];
}

export interface MonitorConfig {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface AgentEvents {
  state: AgentState;
  /** Text the guest put on its clipboard. */
  clipboard: { text: string };
  /** The guest fetched the text offered with setClipboardText (UTF-8 bytes sent). */
  'clipboard-fetched': { bytes: number };
  /** The agent's answer to a monitors config (or another message that gets one). */
  reply: { type: number; success: boolean };
  /** Bad agent data or a refused request; the session goes on. */
  error: SpiceError;
}

/** A main-channel message the agent client sends. */
export type AgentMainMessage =
  | { name: 'agent_start' | 'agent_token'; body: { num_tokens: number } }
  | { name: 'agent_data'; body: { data: Uint8Array } };

/** Capabilities we announce. GRAB_SERIAL is left out: without it grabs carry no serial. */
const OUR_CAPS = [
  AgentCap.MONITORS_CONFIG, AgentCap.REPLY, AgentCap.CLIPBOARD_BY_DEMAND, AgentCap.CLIPBOARD_SELECTION,
  AgentCap.SPARSE_MONITORS_CONFIG, AgentCap.MONITORS_CONFIG_POSITION, AgentCap.CLIPBOARD_NO_RELEASE_ON_REGRAB,
];
const SELECTION_CLIPBOARD = 0;
const MONITORS_USE_POS = 1;
const CLIPBOARD_MESSAGES: ReadonlySet<number> = new Set([
  AgentMsg.CLIPBOARD, AgentMsg.CLIPBOARD_GRAB, AgentMsg.CLIPBOARD_REQUEST, AgentMsg.CLIPBOARD_RELEASE,
]);

interface Outgoing { bytes: Uint8Array; at: number }

export class AgentClient extends Emitter<AgentEvents> {
  private readonly window: number;
  private readonly maxClipboard: number;
  private readonly maxMessage: number;
  private readonly monitorsDelay: number;
  private readonly log: (line: string) => void;

  private connected = false;
  private started = false;
  /** Bad data seen: ignore the stream until the agent is announced again. */
  private broken = false;
  private caps: Set<number> | undefined;
  /** agent_data we may send now. */
  private sendTokens = 0;
  /** Server pieces consumed since we last handed tokens back. */
  private consumed = 0;
  private readonly out: Outgoing[] = [];

  /** The incoming stream, reassembled (clipboard text may be large; every other message is small). */
  private readonly stream = new AgentStreamReader({
    limitOf: (type) => (type === AgentMsg.CLIPBOARD ? this.maxClipboard + 8 : this.maxMessage),
    message: (type, body) => this.handle(type, body),
    skipped: (type, size, limit) => {
      if (type === AgentMsg.CLIPBOARD) this.answerRequests(null);
      this.report(new SpiceError(ErrorCode.LIMIT, `agent message ${type} of ${size} bytes is over the ${limit}-byte limit; skipped`));
    },
  });

  private ourText: string | null = null;
  private weOwn = false;
  private requests: ((text: string | null) => void)[] = [];
  private requestOut = false;
  private monitors: MonitorConfig[] | undefined;
  private monitorsDirty = false;
  private monitorsTimer: ReturnType<typeof setTimeout> | undefined;
  private readyWaiters: (() => void)[] = [];
  private drainWaiters: (() => void)[] = [];

  constructor(private readonly sendMain: (m: AgentMainMessage) => void, opts: AgentClientOptions = {}) {
    super();
    this.window = Math.max(1, Math.min(0xffffffff, Math.floor(opts.tokens ?? 64)));
    this.maxClipboard = opts.maxClipboardBytes ?? 16 * 1024 * 1024;
    this.maxMessage = opts.maxMessageBytes ?? 64 * 1024;
    this.monitorsDelay = opts.monitorsDelayMs ?? 300;
    this.log = opts.log ?? ((line) => console.warn(line));
  }

  get state(): AgentState {
    const caps = this.caps;
    const ready = this.started && !this.broken && caps !== undefined;
    return {
      connected: this.connected, ready, caps: caps ? [...caps].sort((a, b) => a - b) : [],
      clipboard: ready && caps.has(AgentCap.CLIPBOARD_BY_DEMAND), monitorsConfig: ready && caps.has(AgentCap.MONITORS_CONFIG),
    };
  }

  /** Resolves once the agent is usable; rejects with TIMEOUT after `timeoutMs`. */
  whenReady(timeoutMs = 10000): Promise<void> {
    if (this.state.ready) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.readyWaiters = this.readyWaiters.filter((w) => w !== done);
        reject(new SpiceError(ErrorCode.TIMEOUT, `no guest agent answered within ${timeoutMs} ms`, { channel: 'main' }));
      }, timeoutMs);
      const done = () => { clearTimeout(timer); resolve(); };
      this.readyWaiters.push(done);
    });
  }

  /** Resolves once every queued agent message has been handed to the main channel (tokens allowing). */
  drained(): Promise<void> {
    if (this.out.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  // ------------------------------------------------------------------ from the main channel

  /** MAIN_INIT / AGENT_CONNECTED_TOKENS: how many agent_data we may send. */
  setTokens(n: number): void {
    this.sendTokens = n;
    this.flush();
  }

  /** The server reports an agent (MAIN_INIT with agent_connected, AGENT_CONNECTED[_TOKENS]). */
  agentConnected(): void {
    this.connected = true;
    this.started = true;
    this.broken = false;
    this.caps = undefined;
    this.stream.reset();
    this.consumed = 0;
    this.send({ name: 'agent_start', body: { num_tokens: this.window } });
    this.announceCaps(true);
    this.emit('state', this.state);
  }

  /** AGENT_DISCONNECTED: the guest agent went away (it may come back). */
  agentDisconnected(): void {
    this.connected = false;
    this.started = false;
    this.caps = undefined;
    this.stream.reset();
    this.weOwn = false;
    this.answerRequests(null);
    // The server still expects the rest of a message it has begun to receive; what has
    // not started is dropped (it would reach no agent).
    for (let i = this.out.length - 1; i >= 0; i--) if (this.out[i]!.at === 0) this.out.splice(i, 1);
    if (this.out.length === 0) for (const w of this.drainWaiters.splice(0)) w();
    this.emit('state', this.state);
  }

  /** AGENT_TOKEN: room for more agent_data. */
  addTokens(n: number): void {
    this.sendTokens += n;
    this.flush();
  }

  /** AGENT_DATA: one piece of the agent's stream. */
  receive(data: Uint8Array): void {
    try {
      if (this.started && !this.broken) this.stream.push(data);
    } catch (e) {
      this.fail(toSpiceError(e, ErrorCode.INCONSISTENT));
    } finally {
      // Every piece is consumed at once (even ignored ones), so the window reopens.
      this.consumed++;
      if (this.consumed >= Math.max(1, this.window >> 1)) {
        this.send({ name: 'agent_token', body: { num_tokens: this.consumed } });
        this.consumed = 0;
      }
    }
  }

  /** The session ended: timers stop, waiting calls get null. */
  dispose(): void {
    clearTimeout(this.monitorsTimer);
    this.monitorsTimer = undefined;
    this.answerRequests(null);
    this.out.length = 0;
    for (const w of this.drainWaiters.splice(0)) w();
    this.started = false;
    this.connected = false;
  }

  // ------------------------------------------------------------------ what the user does

  /**
   * Offers `text` as the guest's clipboard (a GRAB; the text goes when the guest asks).
   * Throws LIMIT over maxClipboardBytes. Given before the agent is ready, it is offered then.
   */
  setClipboardText(text: string): void {
    const size = new TextEncoder().encode(text).length;
    if (size > this.maxClipboard) {
      throw new SpiceError(ErrorCode.LIMIT, `clipboard text of ${size} bytes is over the ${this.maxClipboard}-byte limit`);
    }
    this.ourText = text;
    this.weOwn = false;
    this.grab();
  }

  /** Takes back text offered with setClipboardText (CLIPBOARD_RELEASE). */
  releaseClipboard(): void {
    this.ourText = null;
    if (!this.weOwn || !this.state.clipboard) return;
    this.weOwn = false;
    this.sendAgent(AgentMsg.CLIPBOARD_RELEASE, this.withSelection(new Uint8Array(0)));
  }

  /**
   * Asks the guest for its clipboard text now. Resolves with the text, or null when the
   * guest holds none (agents answer a request without a grab with an empty reply), the
   * agent goes away, or nothing comes within `timeoutMs`.
   */
  requestClipboard(timeoutMs = 5000): Promise<string | null> {
    if (!this.state.clipboard) return Promise.resolve(null);
    return new Promise((resolve) => {
      // No answer: a later request may go out again.
      const timer = setTimeout(() => { this.requestOut = false; finish(null); }, timeoutMs);
      const finish = (text: string | null) => {
        clearTimeout(timer);
        this.requests = this.requests.filter((r) => r !== finish);
        resolve(text);
      };
      this.requests.push(finish);
      this.sendRequest();
    });
  }

  /** Asks the guest for one monitor of width x height (device pixels), after a quiet time. */
  resizeGuest(width: number, height: number): void {
    this.setMonitors([{ x: 0, y: 0, width, height }]);
  }

  /** Asks the guest for these monitors (disabled: width or height 0), after a quiet time. */
  setMonitors(monitors: MonitorConfig[]): void {
    const clean = monitors.map((m, i) => {
      const v = [m.x, m.y, m.width, m.height];
      if (!v.every(Number.isFinite) || m.width < 0 || m.height < 0 || m.width > 0xffff || m.height > 0xffff) {
        throw new SpiceError(ErrorCode.BAD_ARGUMENT, `monitor ${i}: ${m.width}x${m.height}+${m.x}+${m.y} is not a usable size`);
      }
      return { x: Math.round(m.x), y: Math.round(m.y), width: Math.round(m.width), height: Math.round(m.height) };
    });
    if (clean.length === 0 || !clean.some((m) => m.width > 0 && m.height > 0)) {
      throw new SpiceError(ErrorCode.BAD_ARGUMENT, 'a monitors config needs at least one monitor with a size');
    }
    if (this.monitors && JSON.stringify(this.monitors) === JSON.stringify(clean)) return;
    this.monitors = clean;
    this.monitorsDirty = true;
    clearTimeout(this.monitorsTimer);
    this.monitorsTimer = setTimeout(() => { this.monitorsTimer = undefined; this.sendMonitors(); }, this.monitorsDelay);
  }

  // ------------------------------------------------------------------ incoming messages

  private handle(type: number, body: Uint8Array): void {
    let selection = SELECTION_CLIPBOARD;
    if (CLIPBOARD_MESSAGES.has(type) && this.selections) {
      if (body.length < 4) throw new SpiceError(ErrorCode.TRUNCATED, `agent clipboard message ${type} is shorter than its selection field`);
      selection = body[0]!;
      body = body.subarray(4);
    }
    switch (type) {
      case AgentMsg.ANNOUNCE_CAPABILITIES: {
        const m = decode(AgentAnnounceCaps, body);
        const caps = new Set<number>();
        m.caps.forEach((word, i) => { for (let b = 0; b < 32; b++) if ((word >>> b) & 1) caps.add(i * 32 + b); });
        this.caps = caps;
        if (m.request) this.announceCaps(false);
        this.agentReady();
        break;
      }
      case AgentMsg.CLIPBOARD_GRAB: {
        if (body.length % 4 !== 0) throw new SpiceError(ErrorCode.INCONSISTENT, `agent clipboard grab of ${body.length} bytes is not a list of types`);
        const types = decode(AgentClipboardGrab, body).types;
        if (selection !== SELECTION_CLIPBOARD) break;
        // The guest owns the clipboard now; ours is gone.
        this.ourText = null;
        this.weOwn = false;
        // New content: ask even if an older request is still unanswered.
        this.requestOut = false;
        if (types.includes(ClipboardType.UTF8_TEXT)) this.sendRequest();
        break;
      }
      case AgentMsg.CLIPBOARD: {
        const m = decode(AgentClipboard, body);
        if (selection !== SELECTION_CLIPBOARD) break;
        this.requestOut = false;
        if (m.type !== ClipboardType.UTF8_TEXT) { this.answerRequests(null); break; }
        let text = new TextDecoder().decode(m.data);
        if (this.caps?.has(AgentCap.GUEST_LINEEND_CRLF)) text = text.replace(/\r\n/g, '\n');
        this.answerRequests(text);
        this.emit('clipboard', { text });
        break;
      }
      case AgentMsg.CLIPBOARD_REQUEST: {
        const m = decode(AgentClipboardRequest, body);
        const text = selection === SELECTION_CLIPBOARD && m.type === ClipboardType.UTF8_TEXT && this.weOwn ? this.ourText : null;
        let data = new Uint8Array(0);
        if (text !== null) {
          data = new TextEncoder().encode(this.caps?.has(AgentCap.GUEST_LINEEND_CRLF) ? text.replace(/\r?\n/g, '\r\n') : text);
        }
        this.sendAgent(AgentMsg.CLIPBOARD, this.withSelection(encode(AgentClipboard, {
          type: text === null ? ClipboardType.NONE : ClipboardType.UTF8_TEXT, data,
        }), selection));
        if (text !== null) this.emit('clipboard-fetched', { bytes: data.length });
        break;
      }
      case AgentMsg.CLIPBOARD_RELEASE:
        // The guest let go of its clipboard: nothing to fetch any more.
        break;
      case AgentMsg.REPLY: {
        const m = decode(AgentReply, body);
        this.emit('reply', { type: m.type, success: m.error === AgentResult.SUCCESS });
        break;
      }
      default:
        // MOUSE_STATE, FILE_XFER_*, AUDIO_VOLUME_SYNC...: not used by this client.
        break;
    }
  }

  /** Both sides put the selection byte in clipboard messages when the agent has the cap (we always do). */
  private get selections(): boolean {
    return this.caps?.has(AgentCap.CLIPBOARD_SELECTION) ?? false;
  }

  private agentReady(): void {
    if (this.caps?.has(AgentCap.MAX_CLIPBOARD)) {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setInt32(0, Math.min(this.maxClipboard, 0x7fffffff), true);
      this.sendAgent(AgentMsg.MAX_CLIPBOARD, b);
    }
    if (this.ourText !== null) this.grab();
    if (this.monitors && this.monitorsTimer === undefined) this.sendMonitors(true);
    for (const w of this.readyWaiters.splice(0)) w();
    this.emit('state', this.state);
  }

  // ------------------------------------------------------------------ outgoing

  private grab(): void {
    if (!this.state.clipboard || this.ourText === null) return;
    this.weOwn = true;
    this.sendAgent(AgentMsg.CLIPBOARD_GRAB, this.withSelection(encode(AgentClipboardGrab, { types: [ClipboardType.UTF8_TEXT] })));
  }

  private sendRequest(): void {
    if (this.requestOut || !this.state.clipboard) return;
    this.requestOut = true;
    this.sendAgent(AgentMsg.CLIPBOARD_REQUEST, this.withSelection(encode(AgentClipboardRequest, { type: ClipboardType.UTF8_TEXT })));
  }

  private answerRequests(text: string | null): void {
    if (text === null) this.requestOut = false;
    for (const r of [...this.requests]) r(text);
  }

  /** Sends the wanted monitors if the agent is ready (again, after a reconnect, if `always`). */
  private sendMonitors(always = false): void {
    if (!this.monitors || !this.state.ready || (!this.monitorsDirty && !always)) return;
    this.monitorsDirty = false;
    this.sendAgent(AgentMsg.MONITORS_CONFIG, encode(AgentMonitorsConfig, {
      num_of_monitors: this.monitors.length, flags: MONITORS_USE_POS,
      monitors: this.monitors.map((m) => ({ width: m.width, height: m.height, depth: 32, x: m.x, y: m.y })),
      rest: new Uint8Array(0),
    }));
  }

  private announceCaps(request: boolean): void {
    const words = [0];
    for (const c of OUR_CAPS) words[c >> 5] = ((words[c >> 5] ?? 0) | (1 << (c & 31))) >>> 0;
    this.sendAgent(AgentMsg.ANNOUNCE_CAPABILITIES, encode(AgentAnnounceCaps, { request: request ? 1 : 0, caps: words }));
  }

  private withSelection(body: Uint8Array, selection = SELECTION_CLIPBOARD): Uint8Array {
    if (!this.selections) return body;
    const out = new Uint8Array(body.length + 4);
    out[0] = selection;
    out.set(body, 4);
    return out;
  }

  private sendAgent(type: number, body: Uint8Array): void {
    if (!this.started) return;
    const head = encode(AgentHeader, { protocol: AGENT_PROTOCOL, type, opaque: 0n, size: body.length });
    const whole = new Uint8Array(AGENT_HEADER_SIZE + body.length);
    whole.set(head);
    whole.set(body, AGENT_HEADER_SIZE);
    this.out.push({ bytes: whole, at: 0 });
    this.flush();
  }

  /** Sends queued pieces while tokens last. */
  private flush(): void {
    while (this.sendTokens > 0 && this.out.length > 0) {
      const m = this.out[0]!;
      const piece = m.bytes.subarray(m.at, m.at + AGENT_MAX_DATA);
      m.at += piece.length;
      if (m.at >= m.bytes.length) this.out.shift();
      this.sendTokens--;
      this.send({ name: 'agent_data', body: { data: piece } });
    }
    if (this.out.length === 0) for (const w of this.drainWaiters.splice(0)) w();
  }

  private send(m: AgentMainMessage): void {
    try {
      this.sendMain(m);
    } catch (e) {
      // The main channel closing ends the session anyway; anything else is reported.
      const err = toSpiceError(e, ErrorCode.INCONSISTENT);
      if (err.code !== ErrorCode.CLOSED) this.report(err);
    }
  }

  // ------------------------------------------------------------------ errors

  private report(err: SpiceError): void {
    err.withContext({ channel: 'main', channelId: 0, messageType: 109, messageName: 'agent_data' });
    this.log(`spice-ts: guest agent: ${err.describe()}`);
    this.emit('error', err);
  }

  /** Bad data: the agent part stops until the server announces the agent again. */
  private fail(err: SpiceError): void {
    this.broken = true;
    this.stream.reset();
    this.weOwn = false;
    this.answerRequests(null);
    this.report(err);
    this.emit('state', this.state);
  }
}
