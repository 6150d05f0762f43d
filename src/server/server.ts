/**
 * A SPICE server, sans I/O: `accept(transport)` for every connection a listener
 * takes (TCP, UNIX, TLS, WebSocket); the server links it, checks the ticket and the
 * connection id, and hands it to the viewer it belongs to. The display source's damage
 * is captured once per round and shared by every viewer.
 */
import { SpiceChannel, type LinkedEvent } from '../channel/channel.js';
import { ChannelType, CommonCap, DisplayCap, InputsCap, LinkErr, MainCap, MouseMode } from '../protocol/enums/index.js';
import { ErrorCode, SpiceError, toSpiceError } from '../protocol/errors.js';
import type { LinkMess } from '../protocol/link/messages.js';
import { channelName } from '../protocol/schema/channels.js';
import type { Transport } from '../transports/transport.js';
import { Emitter } from '../channel/emitter.js';
import { SERVER_DEFAULTS, displayImageSettings, type ServerOptions } from './options.js';
import type { DisplaySource, SourceCursor, SourceRect, SourceSink } from './source.js';
import { COMPRESSION_NAMES, type CompressionName } from './display/image-encoder.js';
import { DisplayStats } from './display/stats.js';
import type { Box } from './display/damage.js';
import { Viewer } from './viewer.js';
import { warmUpDisplay } from './display/warm-up.js';

export interface ServerEvents {
  /** A viewer's main channel linked. */
  'viewer-up': { id: number; peer: string };
  'viewer-down': { id: number; peer: string; reason?: SpiceError };
  /** A refused link or a failed channel (also logged). */
  error: SpiceError;
  /** The source failed. */
  'source-error': Error;
}

const SERVED_CHANNELS = [ChannelType.DISPLAY, ChannelType.INPUTS, ChannelType.CURSOR];

export class SpiceServer extends Emitter<ServerEvents> {
  readonly source: DisplaySource;
  readonly stats = new DisplayStats();
  readonly viewers = new Map<number, Viewer>();
  readonly compression: CompressionName;
  readonly settings: Required<Pick<ServerOptions, 'maxViewers' | 'input' | 'mouseMode' | 'ackWindow' | 'maxQueuedBytes'
    | 'updateIntervalMs' | 'maxGlzWindowPixels' | 'maxImagePixels' | 'displayInitWaitMs'>>;
  private password?: string;
  private passwordExpires?: number;
  private ticketing: boolean;
  private readonly secure: Set<number>;
  private readonly failures = new Map<string, { times: number[]; lockedUntil: number }>();
  private pendingDamage: Box[] = [];
  private roundScheduled = false;
  private capturing = false;
  private lastRound = 0;
  private started?: Promise<void>;
  private stopped = false;
  private cursorShape: SourceCursor | null = null;
  private cursorUnique = 1n;
  private pointerFollowed = false;
  pointerX = 0;
  pointerY = 0;
  /** The clipboard text viewers get when they ask (the source's, or the last viewer's). */
  clipboardText: string | null = null;

  constructor(readonly options: ServerOptions) {
    super();
    this.source = options.source;
    const c = options.imageCompression ?? SERVER_DEFAULTS.imageCompression;
    const name = COMPRESSION_NAMES[c];
    if (!name) throw new SpiceError(ErrorCode.BAD_ARGUMENT, `unknown image compression '${c}' (use ${Object.keys(COMPRESSION_NAMES).join(', ')})`);
    this.compression = name;
    displayImageSettings(options); // bad image options fail here, not when a viewer connects
    this.ticketing = !options.disableTicketing;
    if (this.ticketing && options.password === undefined) {
      throw new SpiceError(ErrorCode.BAD_ARGUMENT, 'a password is required unless ticketing is disabled');
    }
    this.password = options.password;
    this.passwordExpires = options.passwordExpires === undefined ? undefined : +options.passwordExpires;
    const d = SERVER_DEFAULTS;
    this.settings = {
      maxViewers: options.maxViewers ?? d.maxViewers, input: options.input ?? d.input,
      mouseMode: options.mouseMode ?? d.mouseMode, ackWindow: options.ackWindow ?? d.ackWindow,
      maxQueuedBytes: options.maxQueuedBytes ?? d.maxQueuedBytes, updateIntervalMs: options.updateIntervalMs ?? d.updateIntervalMs,
      maxGlzWindowPixels: options.maxGlzWindowPixels ?? d.maxGlzWindowPixels, maxImagePixels: options.maxImagePixels ?? d.maxImagePixels,
      displayInitWaitMs: options.displayInitWaitMs ?? d.displayInitWaitMs,
    };
    const names = options.secureChannels ?? [];
    this.secure = new Set(names.includes('all') ? [ChannelType.MAIN, ...SERVED_CHANNELS]
      : names.map((n) => ({ main: 1, display: 2, inputs: 3, cursor: 4 } as Record<string, number>)[n] ?? -1));
  }

  log(line: string): void {
    this.options.log?.(line);
  }

  /** Starts the source (once); connections accepted before it finished wait for it. */
  start(): Promise<void> {
    if (!this.started) {
      const sink: SourceSink = {
        damage: (rects) => this.onDamage(rects),
        move: (src, x, y) => this.onMove(src, x, y),
        resized: (w, h) => this.onResized(w, h),
        cursor: (shape) => this.onCursor(shape),
        pointer: (x, y) => this.onPointer(x, y),
        clipboard: (text) => {
          this.clipboardText = text;
          for (const v of this.viewers.values()) v.sourceClipboard(text);
        },
        error: (err) => this.onSourceError(err),
      };
      // The first link's key pair first: making it changes a map V8's optimized code relies
      // on (see node-ticket.ts), so it comes before the warm-ups. A failure here is the
      // first link's to report.
      const keys = this.options.crypto?.prepareKeys?.().catch(() => undefined) ?? Promise.resolve();
      this.started = keys.then(() => this.source.start(sink)).then(() => {
        this.cursorShape = this.source.cursor();
        if (this.options.warmUp ?? true) warmUpDisplay(this.compression);
      });
    }
    return this.started;
  }

  // ---------------------------------------------------------------- passwords

  /** Sets a new password (and optionally when it expires); existing viewers stay. */
  setPassword(password: string, expires?: Date | number): void {
    this.password = password;
    this.passwordExpires = expires === undefined ? undefined : +expires;
    this.ticketing = true;
  }

  /** Makes the password stop working at `when` (now when omitted). */
  expirePassword(when: Date | number = Date.now()): void {
    this.passwordExpires = +when;
  }

  private checkPassword(given: string): boolean {
    if (this.password === undefined) return false;
    if (this.passwordExpires !== undefined && Date.now() >= this.passwordExpires) return false;
    // Compare every byte whatever the first difference (no timing hint).
    const a = new TextEncoder().encode(given), b = new TextEncoder().encode(this.password);
    let diff = a.length ^ b.length;
    for (let i = 0; i < b.length; i++) diff |= (a[i] ?? 0) ^ b[i]!;
    return diff === 0;
  }

  private peerHost(t: Transport): string {
    const d = t.description.replace(/^tls:\/\//, '');
    const m = /^\[?([^\]]*?)\]?:\d+$/.exec(d);
    return m ? m[1]! : d;
  }

  private lockedOut(host: string): boolean {
    const f = this.failures.get(host);
    return !!f && f.lockedUntil > Date.now();
  }

  private recordFailure(host: string): void {
    const cfg = { ...SERVER_DEFAULTS.badTickets, ...this.options.badTickets };
    const now = Date.now();
    const f = this.failures.get(host) ?? { times: [], lockedUntil: 0 };
    f.times = f.times.filter((t) => now - t < cfg.windowMs);
    f.times.push(now);
    if (f.times.length >= cfg.max) {
      f.lockedUntil = now + cfg.lockMs;
      f.times = [];
      this.log(`${host}: ${cfg.max} bad tickets, refusing it for ${cfg.lockMs} ms`);
    }
    this.failures.set(host, f);
  }

  // ---------------------------------------------------------------- connections

  /** Takes a new connection from a listener. */
  accept(transport: Transport): void {
    if (this.stopped) { transport.close(); return; }
    const host = this.peerHost(transport);
    const channel = new SpiceChannel({
      role: 'server', channelType: ChannelType.MAIN, channelId: 0,
      write: (b) => {
        if (channel.def.type === ChannelType.DISPLAY) { this.stats.wireBytes += b.length; this.stats.messages++; }
        transport.write(b);
      },
      flush: () => transport.flush?.(),
      crypto: this.options.crypto,
      limits: { maxMessageSize: SERVER_DEFAULTS.maxMessageSize, ...this.options.limits },
      commonCaps: [CommonCap.PROTOCOL_AUTH_SELECTION, CommonCap.AUTH_SPICE, CommonCap.MINI_HEADER],
      accept: (mess) => this.acceptLink(mess, transport, host),
      checkPassword: this.ticketing ? (pw) => this.checkPassword(pw) : null,
      channelCaps: (mess) => this.channelCaps(mess.channelType),
    });
    transport.onData((b) => channel.receive(b));
    transport.onClose((err) => channel.end(err));
    channel.on('closed', () => transport.close());
    channel.on('error', (err) => {
      if (err.code === ErrorCode.AUTH_FAILED) this.recordFailure(host);
      if (channel.linkInfo) return; // the viewer reports errors of linked channels
      this.log(`${transport.description}: link refused: ${err.message} [${err.code}]`);
      this.emit('error', err);
    });
    channel.once('linked', (info) => this.linked(channel, transport, info));
    channel.start();
  }

  private channelCaps(type: number): number[] {
    switch (type) {
      case ChannelType.MAIN: return [MainCap.NAME_AND_UUID, MainCap.AGENT_CONNECTED_TOKENS];
      case ChannelType.DISPLAY: return [DisplayCap.MONITORS_CONFIG, DisplayCap.PREF_COMPRESSION];
      case ChannelType.INPUTS: return [InputsCap.KEY_SCANCODE];
            default: return [];
    }
  }

  private acceptLink(mess: LinkMess, transport: Transport, host: string): number {
    if (this.lockedOut(host)) return LinkErr.PERMISSION_DENIED;
    const type = mess.channelType;
    if (type !== ChannelType.MAIN && !SERVED_CHANNELS.includes(type as never)) return LinkErr.CHANNEL_NOT_AVAILABLE;
    if (mess.channelId !== 0) return LinkErr.CHANNEL_NOT_AVAILABLE;
    if (this.secure.has(type) && !transport.secure) return LinkErr.NEED_SECURED;
    if (type === ChannelType.MAIN) {
      if (mess.connectionId !== 0 && !this.viewers.has(mess.connectionId)) return LinkErr.BAD_CONNECTION_ID;
      if (this.viewers.size >= this.settings.maxViewers) return LinkErr.ERROR;
      return LinkErr.OK;
    }
    return this.viewers.has(mess.connectionId) ? LinkErr.OK : LinkErr.BAD_CONNECTION_ID;
  }

  private linked(channel: SpiceChannel, transport: Transport, info: LinkedEvent): void {
    const mess = info.server!.mess;
    if (mess.channelType === ChannelType.MAIN) {
      let id: number;
      do id = (Math.random() * 0xffffffff) >>> 0 || 1; while (this.viewers.has(id));
      const viewer = new Viewer(this, id, channel, transport, info.server!);
      this.viewers.set(id, viewer);
      this.log(`${transport.description}: viewer ${id} connected (${this.viewers.size} viewing)`);
      viewer.once('closed', ({ reason }) => {
        this.viewers.delete(id);
        this.mouseModesChanged();
        this.log(`${transport.description}: viewer ${id} left${reason ? `: ${reason.message} [${reason.code}]` : ''}`);
        this.emit('viewer-down', { id, peer: transport.description, reason });
      });
      this.emit('viewer-up', { id, peer: transport.description });
      this.mouseModesChanged();
      void this.start().then(() => viewer.start(), (e) => viewer.close(toSpiceError(e, ErrorCode.SOURCE)));
      return;
    }
    const viewer = this.viewers.get(mess.connectionId);
    if (!viewer) {
      channel.close(new SpiceError(ErrorCode.LINK_REFUSED, 'the viewer left while the channel linked'));
      return;
    }
    viewer.attach(channel, transport, info.server!);
  }

  /** A viewer came, left or changed its mouse mode: tell the source whether positions are shown. */
  mouseModesChanged(): void {
    let followed = false;
    for (const v of this.viewers.values()) if (v.mouseMode === MouseMode.SERVER) followed = true;
    if (followed === this.pointerFollowed) return;
    this.pointerFollowed = followed;
    this.source.pointerFollowed?.(followed);
  }

  /** True when this viewer's input reaches the source. */
  inputAllowed(viewer: Viewer): boolean {
    if (this.settings.input === 'all') return true;
    const first = this.viewers.values().next().value as Viewer | undefined;
    return first === viewer;
  }

  // ---------------------------------------------------------------- the source's news

  get cursor(): SourceCursor | null {
    return this.cursorShape;
  }

  /** A number that changes with every new cursor shape (cursor cache ids). */
  get cursorId(): bigint {
    return this.cursorUnique;
  }

  private onDamage(rects: SourceRect[]): void {
    if (rects.length === 0) return; // (the x11 source's warm-up reports nothing this way)
    for (const r of rects) {
      if (r.width > 0 && r.height > 0) this.pendingDamage.push({ x0: r.x, y0: r.y, x1: r.x + r.width, y1: r.y + r.height });
    }
    this.scheduleRound();
  }

  private scheduleRound(): void {
    if (this.roundScheduled || this.capturing || this.stopped) return;
    this.roundScheduled = true;
    const wait = Math.max(0, this.lastRound + this.settings.updateIntervalMs - Date.now());
    const run = () => { this.roundScheduled = false; void this.round(); };
    if (wait > 0) setTimeout(run, wait); else setImmediate(run);
  }

  private async round(): Promise<void> {
    if (this.pendingDamage.length === 0 || this.capturing) return;
    const boxes = this.pendingDamage;
    this.pendingDamage = [];
    this.lastRound = Date.now();
    if (this.source.capture) {
      this.capturing = true;
      try {
        await this.source.capture(boxes.map((b) => ({ x: b.x0, y: b.y0, width: b.x1 - b.x0, height: b.y1 - b.y0 })));
      } catch (e) {
        this.onSourceError(e as Error);
        return;
      } finally {
        this.capturing = false;
      }
    }
    for (const v of this.viewers.values()) v.display?.damage(boxes);
    if (this.pendingDamage.length) this.scheduleRound();
  }

  private onMove(src: SourceRect, x: number, y: number): void {
    const box = { x0: src.x, y0: src.y, x1: src.x + src.width, y1: src.y + src.height };
    for (const v of this.viewers.values()) v.display?.move(box, x - src.x, y - src.y, this.capturing, this.pendingDamage);
  }

  private onResized(w: number, h: number): void {
    this.pendingDamage = [];
    for (const v of this.viewers.values()) v.display?.resized(w, h);
  }

  private onCursor(shape: SourceCursor | null): void {
    this.cursorShape = shape;
    this.cursorUnique++;
    for (const v of this.viewers.values()) v.cursor?.shape(shape);
  }

  /** A viewer put text on its clipboard: the source and the other viewers get it. */
  clipboardFromViewer(from: Viewer, text: string): void {
    this.clipboardText = text;
    this.source.setClipboard?.(text);
    for (const v of this.viewers.values()) if (v !== from) v.sourceClipboard(text);
  }

  /** A viewer in server mouse mode moved the pointer: every cursor channel follows. */
  pointerFromViewer(_from: Viewer, x: number, y: number): void {
    this.onPointer(x, y);
  }

  private onPointer(x: number, y: number): void {
    this.pointerX = x;
    this.pointerY = y;
    for (const v of this.viewers.values()) v.cursor?.moved(x, y);
  }

  private onSourceError(err: Error): void {
    this.log(`source ${this.source.name} failed: ${err.message}`);
    this.emit('source-error', err);
  }

  /** Disconnects every viewer and stops the source. */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const v of [...this.viewers.values()]) v.close();
    if (this.started) {
      await this.started.catch(() => undefined);
      await this.source.stop();
    }
  }
}

export function createServer(options: ServerOptions): SpiceServer {
  return new SpiceServer(options);
}

export { channelName };
