/**
 * A client session: the main channel and the channels it lists (display,
 * inputs, cursor), linked like spice-gtk does, with typed events, the
 * surfaces' pixels and input methods. Transport-neutral: the caller supplies
 * `open(tls)` (Node: nodeOpener; browser: a WebSocket opener).
 */
import { ChannelType, MainCap, DisplayCap, MouseMode, VideoCodecType, enumName } from '../protocol/enums/index.js';
import { ErrorCode, SpiceError, toSpiceError } from '../protocol/errors.js';
import { channelName } from '../protocol/schema/channels.js';
import type { SpiceChannel } from '../channel/channel.js';
import type { Transport } from '../transports/transport.js';
import { Emitter } from '../channel/emitter.js';
import { linkWithFallback, type LinkOptions } from './link.js';
import type { ChannelClient, SessionLink } from './channels/base.js';
import { MainClient } from './channels/main.js';
import { InputsClient } from './channels/inputs.js';
import { CursorClient, type CursorEvent } from './channels/cursor.js';
// The display channel (canvas, codecs: most of the client's code) is loaded
// on demand, and its loading starts with the session so that compiling it
// overlaps the server's link replies instead of delaying the first connect.
import type { DisplayClient, DisplayClientOptions, DisplayShared } from './channels/display.js';
import { PlaybackClient, type PlaybackEvent, type PlaybackOptions } from './channels/playback.js';
import type { Rect } from './geometry.js';
import { AgentClient, type AgentClientOptions, type AgentState, type MonitorConfig } from './agent.js';

export interface SessionOptions extends LinkOptions, DisplayClientOptions {
  /** Channels to open besides main. Default: display, inputs, cursor. */
  channels?: string[];
  /** Time allowed for linking main and receiving the channel list, ms. Default 10000. */
  timeoutMs?: number;
  /** Mouse mode to ask for when offered: 'client' (default, absolute), 'server' (relative), 'keep'. */
  mouseMode?: 'client' | 'server' | 'keep';
  /** Guest agent limits and timing (clipboard size, monitors-config delay, tokens). */
  agent?: AgentClientOptions;
  /** Playback channel (opened when `channels` lists 'playback'): Opus only if the caller decodes it. */
  playback?: PlaybackOptions;
  /**
   * Called once main's link message is out, while the server makes its RSA key (10-20 ms):
   * a place to start loading what the caller needs later (the CLI loads its image encoder).
   */
  whileLinking?: () => void;
}

export interface SessionEvents {
  'channel-up': { name: string; id: number };
  'channel-down': { name: string; id: number; error?: SpiceError };
  surface: { display: number; surfaceId: number; width: number; height: number; format: number; primary: boolean };
  'surface-destroyed': { display: number; surfaceId: number };
  /** Pixels changed on a surface (the rectangle, clipped to it). */
  invalidate: { display: number; surfaceId: number; rect: Rect };
  /** The server finished sending a display's initial picture (DISPLAY_MARK). */
  mark: { display: number };
  monitors: { display: number; heads: { id: number; surfaceId: number; x: number; y: number; width: number; height: number }[] };
  /**
   * A video stream was created (with its codec: 'mjpeg', 'vp8', 'h264', ...), was destroyed,
   * or failed (its codec is not decoded here, a limit, a decoder error): only that stream
   * ends, the server is told and sends its pictures as images; the display goes on.
   */
  stream:
    | { display: number; kind: 'created'; id: number; codec: string; width: number; height: number }
    | { display: number; kind: 'destroyed'; id: number; codec: string; frames: number }
    | { display: number; kind: 'error'; id: number; codec: string; error: SpiceError };
  cursor: CursorEvent;
  /** Sound from the playback channel: start, data (PCM or Opus), stop, volume, mute, latency. */
  playback: PlaybackEvent;
  'mouse-mode': { mode: 'server' | 'client'; supported: string[] };
  /** The guest agent came, went, or finished announcing what it can do. */
  agent: AgentState;
  /** Text the guest put on its clipboard. */
  clipboard: { text: string };
  /** A channel other than main closed with an error, or the guest agent sent bad data; the session goes on. */
  error: SpiceError;
  /** The main channel closed: the session is over. */
  disconnected: { error?: SpiceError };
}

/** The channels opened when SessionOptions.channels is not given. */
export const DEFAULT_CHANNELS: readonly string[] = ['display', 'inputs', 'cursor'];

export class SpiceSession extends Emitter<SessionEvents> implements SessionLink {
  main!: MainClient;
  readonly displays = new Map<number, DisplayClient>();
  inputs?: InputsClient;
  cursor?: CursorClient;
  playback?: PlaybackClient;
  private readonly clients = new Set<ChannelClient>();
  private readonly transports: Transport[] = [];
  private readonly waiters: { type: number; id: number; serial: bigint; resolve: () => void }[] = [];
  private display?: Promise<{ Client: typeof DisplayClient; shared: DisplayShared }>;
  private shared?: DisplayShared;
  private ended = false;
  disconnectError?: SpiceError;

  private constructor(readonly opts: SessionOptions) {
    super();
  }

  /** Loads the display channel's code and the session's display state (once). */
  private loadDisplay(): Promise<{ Client: typeof DisplayClient; shared: DisplayShared }> {
    this.display ??= import('./channels/display.js').then(async ({ DisplayClient: Client }) => {
      const shared = await Client.createShared(this.opts);
      if (this.ended) shared.dispose?.();
      else this.shared = shared;
      return { Client, shared };
    });
    return this.display;
  }

  /** Connects: links main, reads the channel list, links the wanted channels. */
  static async connect(opts: SessionOptions): Promise<SpiceSession> {
    const s = new SpiceSession(opts);
    try {
      await s.start();
    } catch (e) {
      s.close();
      throw toSpiceError(e, ErrorCode.INCONSISTENT);
    }
    return s;
  }

  get sessionId(): number {
    return this.main.init?.session_id ?? 0;
  }

  get serverName(): string | undefined {
    return this.main.name_;
  }

  get mouseMode(): 'server' | 'client' {
    return this.main.mouseMode === MouseMode.CLIENT ? 'client' : 'server';
  }

  /** The session's image decoders, once the first display channel is set up (the viewer's tell where they run). */
  get decoders(): DisplayShared['decoders'] | undefined {
    return this.shared?.decoders;
  }

  /** The primary surface of display `id` (0 by default), once created. */
  primary(display = 0) {
    return this.displays.get(display)?.primarySurface();
  }

  /** The guest agent (clipboard, guest resolution), spoken over the main channel. */
  get agent(): AgentClient {
    return this.main.agent!;
  }

  /** Offers `text` as the guest's clipboard (sent when the guest pastes). */
  setClipboard(text: string): void {
    this.agent.setClipboardText(text);
  }

  /** Asks the guest for a width x height screen (device pixels; sent after a quiet time). */
  resizeGuest(width: number, height: number): void {
    this.agent.resizeGuest(width, height);
  }

  /** Asks the guest for these monitors (sent after a quiet time). */
  setMonitors(monitors: MonitorConfig[]): void {
    this.agent.setMonitors(monitors);
  }

  /** Whether every channel has handled every message received so far (no image still decoding). */
  isIdle(): boolean {
    for (const c of this.clients) if (!c.isIdle()) return false;
    return true;
  }

  /** Resolves when every channel has handled every message received so far. */
  async idle(): Promise<void> {
    await Promise.all([...this.clients].map((c) => c.idle()));
  }

  /**
   * Closes gently: first waits (at most `maxWaitMs`) until every channel has
   * heard from the server. spice-server sets display and cursor channels up
   * on a worker thread after the link; hanging up before that makes 0.15
   * log "got disconnected while connecting" and, repeated, stall or crash.
   */
  async disconnect(maxWaitMs = 500): Promise<void> {
    if (this.ended) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.all([...this.clients].map((c) => c.firstMessage)),
      new Promise<void>((resolve) => { timer = setTimeout(resolve, maxWaitMs); }),
    ]);
    clearTimeout(timer);
    this.close();
  }

  /** Closes this session (if still open) and connects again with the same options. */
  async reconnect(): Promise<SpiceSession> {
    this.close();
    return SpiceSession.connect(this.opts);
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    for (const c of this.clients) c.close();
    for (const t of this.transports) t.close();
    for (const w of this.waiters.splice(0)) w.resolve();
    this.shared?.dispose?.();
  }

  // --- SessionLink -------------------------------------------------------

  waitFor(type: number, id: number, serial: bigint): Promise<void> {
    const c = [...this.clients].find((x) => x.type === type && x.id === id);
    if (!c || c.closed || c.handledSerial >= serial || this.ended) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ type, id, serial, resolve }));
  }

  progressed(client: ChannelClient): void {
    if (this.waiters.length === 0) return;
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]!;
      if (w.type === client.type && w.id === client.id && client.handledSerial >= w.serial) {
        this.waiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  channelClosed(client: ChannelClient, error?: SpiceError): void {
    if (!this.clients.delete(client)) return;
    // Nobody will make progress on a closed channel: release its waiters.
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]!;
      if (w.type === client.type && w.id === client.id) { this.waiters.splice(i, 1); w.resolve(); }
    }
    if (client === this.main) {
      this.disconnectError = error;
      this.close();
      this.emit('disconnected', { error });
      return;
    }
    if (client.type === ChannelType.DISPLAY) this.displays.delete(client.id);
    if (client === this.inputs) this.inputs = undefined;
    if (client === this.cursor) this.cursor = undefined;
    if (client === this.playback) this.playback = undefined;
    this.emit('channel-down', { name: client.name, id: client.id, error });
    if (error) this.emit('error', error);
  }

  // --- set-up --------------------------------------------------------------

  private async start(): Promise<void> {
    const timeoutMs = this.opts.timeoutMs ?? 10000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let listed!: (l: { type: number; id: number }[]) => void;
    let failed!: (e: SpiceError) => void;
    const list = new Promise<{ type: number; id: number }[]>((resolve, reject) => { listed = resolve; failed = reject; });
    list.catch(() => {});
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SpiceError(ErrorCode.TIMEOUT, `the server did not complete the session set-up within ${timeoutMs} ms`)), timeoutMs);
    });
    timeout.catch(() => {});
    const track = (t: Transport) => this.transports.push(t);
    const wanted = new Set(this.opts.channels ?? DEFAULT_CHANNELS);
    // Once main's link message is out, the server makes an RSA key (10-20 ms):
    // load the ticket crypto and the display code meanwhile. A display
    // loading failure shows when a display channel links.
    let working = false;
    const whileServerWorks = () => {
      if (working) return; // once, though a refused plain link is retried on TLS
      working = true;
      this.opts.crypto?.prepare?.().catch(() => {});
      if (wanted.has('display')) this.loadDisplay().catch(() => {});
      try { this.opts.whileLinking?.(); } catch { /* the caller's own loading: it sees its failure later */ }
    };
    try {
      const made = new Map<SpiceChannel, MainClient>();
      const setup = (ch: SpiceChannel, t: Transport) => {
        const m = new MainClient(ch, t, this);
        m.wantMouseMode = this.opts.mouseMode ?? 'client';
        m.events = {
          channels: (l) => listed(l),
          mouseMode: (cur, sup) => this.emit('mouse-mode', {
            mode: cur === MouseMode.CLIENT ? 'client' : 'server',
            supported: [MouseMode.SERVER, MouseMode.CLIENT].filter((b) => sup & b).map((b) => enumName(MouseMode, b).toLowerCase()),
          }),
        };
        const agent = new AgentClient((msg) => ch.send(msg), this.opts.agent);
        agent.on('state', (st) => this.emit('agent', st));
        agent.on('clipboard', (c) => this.emit('clipboard', c));
        agent.on('error', (e) => this.emit('error', e));
        m.agent = agent;
        made.set(ch, m);
        queueMicrotask(whileServerWorks); // runs after linkChannel's start() wrote the link message
      };
      const linked = await Promise.race([
        linkWithFallback(ChannelType.MAIN, 0, 0, {
          ...this.opts, channelCaps: [MainCap.NAME_AND_UUID, MainCap.AGENT_CONNECTED_TOKENS], setup, track,
        }),
        timeout,
      ]);
      // Only the connection that linked is the session's main channel (a
      // plain one refused with NEED_SECURED is not).
      const main = made.get(linked.channel)!;
      this.main = main;
      this.clients.add(main);
      if (main.closed) throw new SpiceError(ErrorCode.CLOSED, 'the server closed the main channel during set-up', { channel: 'main' });
      linked.channel.on('closed', ({ error }) => failed(error ?? new SpiceError(ErrorCode.CLOSED, 'the server closed the main channel during set-up', { channel: 'main' })));
      this.emit('channel-up', { name: 'main', id: 0 });
      const channels = await Promise.race([list, timeout]);
      const todo = channels.filter((c) => wanted.has(channelName(c.type)));
      await Promise.race([Promise.all(todo.map((c) => this.linkOne(c.type, c.id))), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private displayCaps(shared: DisplayShared): number[] {
    const caps: number[] = [
      DisplayCap.SIZED_STREAM, DisplayCap.MONITORS_CONFIG, DisplayCap.COMPOSITE, DisplayCap.A8_SURFACE,
      // STREAM_REPORT: a stream we cannot show is reported, and the server falls back to images.
      DisplayCap.STREAM_REPORT, DisplayCap.PREF_COMPRESSION, DisplayCap.MULTI_CODEC,
    ];
    if (shared.decoders.lz4) caps.push(DisplayCap.LZ4_COMPRESSION);
    const codecCap: Record<number, number> = {
      [VideoCodecType.MJPEG]: DisplayCap.CODEC_MJPEG, [VideoCodecType.VP8]: DisplayCap.CODEC_VP8,
      [VideoCodecType.H264]: DisplayCap.CODEC_H264, [VideoCodecType.VP9]: DisplayCap.CODEC_VP9,
      [VideoCodecType.H265]: DisplayCap.CODEC_H265,
    };
    for (const c of shared.videoCodecs) if (codecCap[c] !== undefined) caps.push(codecCap[c]!);
    if (this.opts.videoCodecs) caps.push(DisplayCap.PREF_VIDEO_CODEC_TYPE);
    return caps;
  }

  private async linkOne(type: number, id: number): Promise<void> {
    const name = channelName(type);
    let client: ChannelClient | undefined;
    let display: { Client: typeof DisplayClient; shared: DisplayShared } | undefined;
    const setup = (ch: SpiceChannel, t: Transport) => {
      if (display) {
        const d = new display.Client(ch, t, this, display.shared, this.opts, (e) => this.onDisplayEvent(d, e));
        client = d;
      } else if (type === ChannelType.INPUTS) {
        client = new InputsClient(ch, t, this);
      } else if (type === ChannelType.CURSOR) {
        const c = new CursorClient(ch, t, this);
        c.onCursor = (e) => this.emit('cursor', e);
        client = c;
      } else if (type === ChannelType.PLAYBACK) {
        const p = new PlaybackClient(ch, t, this).configure(this.opts.playback);
        p.onEvent = (e) => this.emit('playback', e);
        client = p;
      }
    };
    try {
      if (type === ChannelType.DISPLAY) display = await this.loadDisplay();
      if (this.ended) return;
      const channelCaps = display ? this.displayCaps(display.shared)
        : type === ChannelType.PLAYBACK ? PlaybackClient.caps(this.opts.playback) : [];
      await linkWithFallback(type, id, this.sessionId, {
        ...this.opts, channelCaps, setup, track: (t) => this.transports.push(t),
      });
    } catch (e) {
      const err = toSpiceError(e, ErrorCode.INCONSISTENT).withContext({ channel: name, channelId: id });
      this.emit('channel-down', { name, id, error: err });
      return;
    }
    if (!client || this.ended) return;
    if (client.closed) return;
    this.clients.add(client);
    if (client.type === ChannelType.DISPLAY) this.displays.set(id, client as DisplayClient);
    else if (client instanceof InputsClient) this.inputs = client;
    else if (client instanceof CursorClient) this.cursor = client;
    else if (client instanceof PlaybackClient) this.playback = client;
    this.emit('channel-up', { name, id });
  }

  private onDisplayEvent(d: DisplayClient, e: DisplayEventIn): void {
    switch (e.kind) {
      case 'surface': this.emit('surface', { display: d.id, ...e.surface }); break;
      case 'surface-destroyed': this.emit('surface-destroyed', { display: d.id, surfaceId: e.surfaceId }); break;
      case 'invalidate': this.emit('invalidate', { display: d.id, surfaceId: e.surfaceId, rect: e.rect }); break;
      case 'mark': this.emit('mark', { display: d.id }); break;
      case 'monitors': this.emit('monitors', { display: d.id, heads: e.heads }); break;
      case 'stream-created': this.emit('stream', { display: d.id, kind: 'created', id: e.id, codec: e.codec, width: e.width, height: e.height }); break;
      case 'stream-destroyed': this.emit('stream', { display: d.id, kind: 'destroyed', id: e.id, codec: e.codec, frames: e.frames }); break;
      case 'stream-error': this.emit('stream', { display: d.id, kind: 'error', id: e.id, codec: e.codec, error: e.error }); break;
    }
  }
}

type DisplayEventIn = Parameters<ConstructorParameters<typeof DisplayClient>[5]>[0];
