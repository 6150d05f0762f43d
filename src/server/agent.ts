/**
 * The guest agent, played by the server itself. A SPICE server in QEMU relays agent
 * messages to spice-vdagent in the guest; spice-ts owns the display, so it answers
 * them: monitors config becomes a resize request to the source, and clipboard text
 * crosses between the viewer and the source (clipboard "by demand": a grab announces
 * text, a request fetches it).
 *
 * Flow control is by tokens: the viewer may send one agent_data message per token we
 * gave it (we return each as we consume the message); we send one per token it gave us.
 */
import { ErrorCode, SpiceError } from '../protocol/errors.js';
import { decode, encode } from '../protocol/wire/codec.js';
import { AgentStreamReader } from '../protocol/agent-stream.js';
import {
  AGENT_MAX_DATA, AGENT_PROTOCOL, AgentAnnounceCaps, AgentCap, AgentClipboard, AgentClipboardGrab,
  AgentClipboardRequest, AgentFileXferStart, AgentFileXferStatus, AgentHeader, AgentMonitorsConfig, AgentMsg, AgentReply,
  AgentResult, ClipboardType, FileXferStatus,
} from '../protocol/schema/agent.js';

/** What the agent needs from its viewer. */
export interface AgentHost {
  sendMain(name: string, body: Record<string, unknown>): void;
  resize(width: number, height: number): void;
  setClipboard(text: string): void;
  clipboardText(): string | null;
  log(line: string): void;
}

export interface AgentOptions {
  /** Tokens given to the viewer (agent_data messages it may have in flight). Default 10. */
  tokens?: number;
  /** Largest agent message accepted (clipboard text), bytes. Default 16 MiB. */
  maxMessageBytes?: number;
}

const OUR_CAPS = [
  AgentCap.MONITORS_CONFIG, AgentCap.REPLY, AgentCap.CLIPBOARD_BY_DEMAND, AgentCap.CLIPBOARD_SELECTION,
  AgentCap.SPARSE_MONITORS_CONFIG, AgentCap.GUEST_LINEEND_LF, AgentCap.FILE_XFER_DISABLED,
  AgentCap.CLIPBOARD_NO_RELEASE_ON_REGRAB,
];

const SELECTION_CLIPBOARD = 0;

export class ServerAgent {
  readonly serverTokens: number;
  private clientTokens = 0;
  private started = false;
  private readonly maxBytes: number;
  /** The viewer's stream, reassembled; a message over maxBytes ends the viewer (LIMIT). */
  private readonly stream = new AgentStreamReader({
    limitOf: () => this.maxBytes,
    message: (type, body) => this.handle(type, body),
    skipped: (_type, size, limit) => {
      throw new SpiceError(ErrorCode.LIMIT, `agent message of ${size} bytes is over the ${limit}-byte limit`);
    },
  });
  private readonly out: Uint8Array[] = [];
  private clientCaps = new Set<number>();
  private pendingGrab = false;

  constructor(private readonly host: AgentHost, opts: AgentOptions = {}) {
    this.serverTokens = opts.tokens ?? 10;
    this.maxBytes = opts.maxMessageBytes ?? 16 * 1024 * 1024;
  }

  private get selections(): boolean {
    return this.clientCaps.has(AgentCap.CLIPBOARD_SELECTION);
  }

  /** AGENT_START: the viewer gives us `tokens` and starts talking to the agent. */
  start(tokens: number): void {
    this.started = true;
    this.clientTokens += tokens;
    this.sendCaps(true);
    if (this.pendingGrab) this.announceClipboard();
  }

  /** AGENT_TOKEN: more room to send. */
  tokens(n: number): void {
    this.clientTokens += n;
    this.flush();
  }

  /** AGENT_DATA: one piece of the viewer's message stream. */
  receive(data: Uint8Array): void {
    this.stream.push(data);
    // The piece is consumed at once: the viewer may send another (floods are stopped by the
    // channel's message-rate limit, not here).
    this.host.sendMain('agent_token', { num_tokens: 1 });
  }

  /** The source's clipboard changed: tell the viewer there is text to fetch. */
  sourceClipboardChanged(text: string | null): void {
    if (text === null) return;
    if (!this.started) { this.pendingGrab = true; return; }
    this.announceClipboard();
  }

  private announceClipboard(): void {
    this.pendingGrab = false;
    if (!this.clientCaps.has(AgentCap.CLIPBOARD_BY_DEMAND)) return;
    this.sendAgent(AgentMsg.CLIPBOARD_GRAB, this.withSelection(encode(AgentClipboardGrab, { types: [ClipboardType.UTF8_TEXT] })));
  }

  private handle(type: number, body: Uint8Array): void {
    if (globalThis.process?.env?.SPICE_DEBUG) this.host.log(`agent message ${type} (${body.length} bytes)`);
    switch (type) {
      case AgentMsg.ANNOUNCE_CAPABILITIES: {
        const m = decode(AgentAnnounceCaps, body);
        this.clientCaps = new Set();
        m.caps.forEach((word, i) => { for (let b = 0; b < 32; b++) if (word & (1 << b)) this.clientCaps.add(i * 32 + b); });
        if (m.request) this.sendCaps(false);
        if (this.pendingGrab) this.announceClipboard();
        break;
      }
      case AgentMsg.MONITORS_CONFIG: {
        const m = decode(AgentMonitorsConfig, body);
        const first = m.monitors.find((mon) => mon.width > 0 && mon.height > 0);
        if (globalThis.process?.env?.SPICE_DEBUG) this.host.log(`monitors config: ${JSON.stringify(m.monitors)} flags ${m.flags}`);
        if (first) this.host.resize(first.width, first.height);
        this.sendAgent(AgentMsg.REPLY, encode(AgentReply, { type: AgentMsg.MONITORS_CONFIG, error: AgentResult.SUCCESS }));
        break;
      }
      case AgentMsg.CLIPBOARD_GRAB: {
        const { selection, rest } = this.selectionOf(body);
        const types = decode(AgentClipboardGrab, rest).types;
        if (selection === SELECTION_CLIPBOARD && types.includes(ClipboardType.UTF8_TEXT)) {
          this.sendAgent(AgentMsg.CLIPBOARD_REQUEST, this.withSelection(encode(AgentClipboardRequest, { type: ClipboardType.UTF8_TEXT })));
        }
        break;
      }
      case AgentMsg.CLIPBOARD: {
        const { selection, rest } = this.selectionOf(body);
        const m = decode(AgentClipboard, rest);
        if (selection === SELECTION_CLIPBOARD && m.type === ClipboardType.UTF8_TEXT) {
          this.host.setClipboard(new TextDecoder().decode(m.data));
        }
        break;
      }
      case AgentMsg.CLIPBOARD_REQUEST: {
        const { selection, rest } = this.selectionOf(body);
        const m = decode(AgentClipboardRequest, rest);
        const text = selection === SELECTION_CLIPBOARD && m.type === ClipboardType.UTF8_TEXT ? this.host.clipboardText() : null;
        const data = text === null ? new Uint8Array(0) : new TextEncoder().encode(text);
        this.sendAgent(AgentMsg.CLIPBOARD, this.withSelection(encode(AgentClipboard, {
          type: text === null ? ClipboardType.NONE : ClipboardType.UTF8_TEXT, data,
        }), selection));
        break;
      }
      case AgentMsg.FILE_XFER_START: {
        const m = decode(AgentFileXferStart, body);
        this.sendAgent(AgentMsg.FILE_XFER_STATUS, encode(AgentFileXferStatus, { id: m.id, result: FileXferStatus.DISABLED }));
        break;
      }
      default:
        // CLIPBOARD_RELEASE, DISPLAY_CONFIG, MAX_CLIPBOARD, FILE_XFER_DATA/STATUS...: nothing to do.
        break;
    }
  }

  private selectionOf(body: Uint8Array): { selection: number; rest: Uint8Array } {
    if (!this.selections) return { selection: SELECTION_CLIPBOARD, rest: body };
    if (body.length < 4) throw new SpiceError(ErrorCode.TRUNCATED, 'agent clipboard message shorter than its selection field');
    return { selection: body[0]!, rest: body.subarray(4) };
  }

  private withSelection(body: Uint8Array, selection = SELECTION_CLIPBOARD): Uint8Array {
    if (!this.selections) return body;
    const out = new Uint8Array(body.length + 4);
    out[0] = selection;
    out.set(body, 4);
    return out;
  }

  private sendCaps(request: boolean): void {
    const words = [0];
    for (const c of OUR_CAPS) words[c >> 5] = (words[c >> 5] ?? 0) | (1 << (c & 31));
    this.sendAgent(AgentMsg.ANNOUNCE_CAPABILITIES, encode(AgentAnnounceCaps, { request: request ? 1 : 0, caps: words.map((w) => w >>> 0) }));
  }

  private sendAgent(type: number, body: Uint8Array): void {
    const head = encode(AgentHeader, { protocol: AGENT_PROTOCOL, type, opaque: 0n, size: body.length });
    const whole = new Uint8Array(head.length + body.length);
    whole.set(head);
    whole.set(body, head.length);
    for (let at = 0; at < whole.length; at += AGENT_MAX_DATA) this.out.push(whole.subarray(at, at + AGENT_MAX_DATA));
    this.flush();
  }

  private flush(): void {
    while (this.out.length && this.clientTokens > 0) {
      this.clientTokens--;
      this.host.sendMain('agent_data', { data: this.out.shift()! });
    }
  }
}

