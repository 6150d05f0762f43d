/**
 * SpiceViewer: a SPICE session shown in a page. It opens the session over WebSockets,
 * draws the primary surface of one display channel on a <canvas> (only the rectangles
 * that changed, once per animation frame), sends keyboard and pointer input, shows the
 * remote cursor, shares clipboard text with the guest agent (browser Clipboard API), can
 * resize the guest to the page ('resize' scale mode), reconnects by itself with backoff when
 * the session is lost, and reports its state with typed events:
 *
 *   const v = new SpiceViewer(document.getElementById('screen')!, { scale: 'fit' });
 *   v.on('status', (s) => (statusLine.textContent = s.reason));
 *   await v.connect({ url: 'ws://127.0.0.1:5900/', password });
 */
import { Emitter } from '../channel/emitter.js';
import { DEFAULT_CHANNELS, SpiceSession, type SessionOptions } from '../client/session.js';
import { ErrorCode, SpiceError, toSpiceError } from '../protocol/errors.js';
import { modifiersToLocks, locksToModifiers } from '../client/input/locks.js';
import type { KeyEvent } from '../client/input/scancodes.js';
import type { InputsClient } from '../client/channels/inputs.js';
import type { Surface } from '../canvas/types.js';
import type { WebSocketOpener } from './ws-transport.js';
import { browserSessionOptions } from './session-options.js';
import { argbToRgba, canvasCssSize, DirtyRects, type ScaleMode } from './render.js';
import type { AgentState } from '../client/agent.js';
import { describeError, type ViewerStatus } from './status.js';
import { attemptWords, delayWords, reconnectPolicy, Reconnector, type ReconnectOptions } from './reconnect.js';
import { ClipboardShare } from './clipboard.js';
import { KeyboardInput, type KeyboardOptions } from './keyboard.js';
import { PointerInput } from './pointer.js';
import { RemoteCursor } from './cursor.js';
import { AudioPlayer, type AudioPlayerOptions, type AudioStatus } from './audio.js';

export type { AgentState } from '../client/agent.js';
export { isScaleMode, type ScaleMode } from './render.js';
export type { ViewerStatus, ViewerState } from './status.js';
export type { ReconnectOptions } from './reconnect.js';
export type { AudioStatus, AudioState, AudioPlayerOptions } from './audio.js';

export interface SpiceViewerOptions {
  /**
   * 'fit' (default): scale to the container, aspect kept; 'none': 1:1 (device pixels) with
   * scroll; 'resize': the guest is asked for the container's size (needs a guest agent).
   */
  scale?: ScaleMode;
  /**
   * Share clipboard text with the guest through the browser's Clipboard API (default true):
   * guest text is written with navigator.clipboard.writeText; the page's is read when the
   * viewer gets the focus (if the page may read it without asking) and on paste events.
   */
  clipboard?: boolean;
  /** Which display channel to show. Default 0. */
  display?: number;
  /** Mouse mode to ask the server for. Default 'client' (absolute positions). */
  mouseMode?: 'client' | 'server';
  /** Decode JPEG and MJPEG with the browser's decoder (faster; not bit-exact). Default true. */
  browserJpeg?: boolean;
  /** Time allowed to connect and set the session up, ms. Default 10000. */
  timeoutMs?: number;
  /** Keyboard behaviour (which locks follow the local keyboard). */
  keyboard?: KeyboardOptions;
  /** How channels are opened; default one WebSocket per channel to the URL (a gateway may differ). */
  opener?: (url: string) => WebSocketOpener;
  /** Anything else for the session (image compression preference, limits...). */
  session?: Partial<Omit<SessionOptions, 'open' | 'hasPlain' | 'hasTls' | 'password'>>;
  /**
   * Connect again by itself when a session ends that disconnect() did not end (server
   * restarted, network lost): status 'reconnecting', delays from 0.5 s doubling to 15 s with
   * jitter, 20 attempts (see ReconnectOptions). Not after a refusal that would repeat (wrong
   * password, TLS-only server, unknown gateway token). false: never. Default on.
   */
  reconnect?: false | ReconnectOptions;
  /**
   * Play the guest's sound (playback channel; Opus through WebCodecs when the browser has
   * it, else raw PCM). Browsers start sound only after a click or key press in the page:
   * until then a hint is shown on the screen. false: no playback channel. Default true.
   */
  audio?: boolean | AudioPlayerOptions;
}

export interface ViewerEvents {
  status: ViewerStatus;
  error: SpiceError;
  /** The shown surface was created or changed size. */
  resize: { width: number; height: number };
  'mouse-mode': { mode: 'client' | 'server' };
  /** Pointer Lock taken or given back (server mouse mode). */
  'pointer-lock': { locked: boolean };
  /** The guest agent came, went or is ready (clipboard, resize). */
  agent: AgentState;
  /** The guest copied text; `copied`: it is on the browser's clipboard too (else show it). */
  clipboard: { text: string; copied: boolean };
  /** Sound: idle, blocked (waiting for a click or key), playing; muted here or by the guest. */
  audio: AudioStatus;
}

export interface ConnectOptions {
  /** ws:// or wss:// URL of the SPICE server's (or gateway's) WebSocket. */
  url: string;
  password?: string;
}

export class SpiceViewer extends Emitter<ViewerEvents> {
  /** The element holding the canvas (scrolls in scale mode 'none'). */
  readonly screen: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly keyboard: KeyboardInput;
  private readonly pointer: PointerInput;
  private readonly cursor: RemoteCursor;
  private readonly dirty = new DirtyRects();
  private readonly detach: (() => void)[] = [];
  private readonly resizeObserver?: ResizeObserver;
  private sessionNow?: SpiceSession;
  private surface?: Surface;
  private image?: ImageData;
  private frameRequested = false;
  private generation = 0;
  private scaleMode: ScaleMode;
  private cssScale = 1;
  private statusNow: ViewerStatus = { state: 'disconnected', reason: 'Not connected.' };
  private offSession: (() => void)[] = [];
  private readonly clipboard: ClipboardShare;
  /** Present unless reconnecting is off. */
  private readonly reconnector?: Reconnector;
  /** Where and how the last connect() went: what a reconnection uses again. */
  private target?: ConnectOptions;
  private readonly audioPlayer?: AudioPlayer;
  private readonly audioHint?: HTMLDivElement;

  constructor(readonly container: HTMLElement, readonly options: SpiceViewerOptions = {}) {
    super();
    const doc = container.ownerDocument;
    this.scaleMode = options.scale ?? 'fit';
    this.screen = doc.createElement('div');
    this.screen.className = 'spice-screen';
    Object.assign(this.screen.style, { position: 'relative', width: '100%', height: '100%', boxSizing: 'border-box' });
    this.canvas = doc.createElement('canvas');
    this.canvas.className = 'spice-canvas';
    this.canvas.tabIndex = 0;
    this.canvas.width = 0;
    this.canvas.height = 0;
    Object.assign(this.canvas.style, { display: 'block', outline: 'none', position: 'absolute', left: '0', top: '0' });
    this.screen.appendChild(this.canvas);
    container.appendChild(this.screen);
    const ctx = this.canvas.getContext('2d', { alpha: false });
    if (!ctx) throw new SpiceError(ErrorCode.UNSUPPORTED, 'this browser gives no 2D canvas context');
    this.ctx = ctx;

    this.keyboard = new KeyboardInput({
      keys: (events) => this.sendKeyEvents(events),
      locks: () => { const i = this.sessionNow?.inputs; return i ? modifiersToLocks(i.modifiers & 0xffff) : undefined; },
      setLocks: (l) => this.withInputs((i) => i.setLocks(locksToModifiers(l))),
    }, options.keyboard);
    this.pointer = new PointerInput(this.canvas, {
      mode: () => (this.statusNow.state === 'connected' && this.sessionNow?.inputs ? this.sessionNow.mouseMode : undefined),
      surfaceSize: () => this.surface && { width: this.surface.width, height: this.surface.height },
      position: (x, y) => this.withInputs((i) => i.position(x, y, this.displayId)),
      motion: (dx, dy) => this.withInputs((i) => i.motion(dx, dy)),
      press: (b) => { this.keyboard.flushHeld(); this.withInputs((i) => i.press(b)); },
      release: (b) => this.withInputs((i) => i.release(b)),
    });
    this.pointer.onLockChange = (locked) => this.emit('pointer-lock', { locked });
    this.cursor = new RemoteCursor(this.canvas, this.screen, () => ({
      left: this.canvas.offsetLeft, top: this.canvas.offsetTop, scale: this.cssScale,
    }));
    this.clipboard = new ClipboardShare({
      session: () => this.sessionNow,
      view: () => this.container.ownerDocument.defaultView,
      copied: (text, copied) => this.emit('clipboard', { text, copied }),
      error: (e) => this.emit('error', e),
    }, options.clipboard !== false);
    this.detach.push(this.keyboard.attach(this.canvas, doc), this.pointer.attach(), this.clipboard.attach(this.canvas));
    if (options.audio !== false) {
      const player = new AudioPlayer(typeof options.audio === 'object' ? options.audio : {});
      const hint = doc.createElement('div');
      hint.className = 'spice-audio-hint';
      hint.textContent = 'Click to enable sound';
      hint.hidden = true;
      Object.assign(hint.style, {
        position: 'absolute', right: '8px', top: '8px', padding: '2px 8px', borderRadius: '4px', zIndex: '2',
        background: 'rgba(0,0,0,0.6)', color: '#fff', font: '12px sans-serif', pointerEvents: 'none',
      });
      this.screen.appendChild(hint);
      player.onStatus = (st) => { hint.hidden = st.state !== 'blocked' || st.muted; this.emit('audio', st); };
      player.onError = (e) => this.emit('error', toSpiceError(e, ErrorCode.UNSUPPORTED).withContext({ channel: 'playback' }));
      // Sound may start only from a user gesture: any click or key in the viewer resumes it.
      const gesture = () => { if (player.status.state === 'blocked' || player.status.state === 'idle') void player.resume(); };
      this.screen.addEventListener('pointerdown', gesture, true);
      this.screen.addEventListener('keydown', gesture, true);
      this.detach.push(() => {
        this.screen.removeEventListener('pointerdown', gesture, true);
        this.screen.removeEventListener('keydown', gesture, true);
        player.close();
      });
      this.audioPlayer = player;
      this.audioHint = hint;
    }
    const policy = reconnectPolicy(options.reconnect);
    if (policy) this.reconnector = new Reconnector(policy, (n) => this.attempt(n));
    const view = doc.defaultView;
    if (view && typeof view.ResizeObserver === 'function') {
      this.resizeObserver = new view.ResizeObserver(() => this.layout());
      this.resizeObserver.observe(this.screen);
    }
    if (view) {
      // Zooming the page changes devicePixelRatio (and fires 'resize').
      const onResize = () => this.layout();
      view.addEventListener('resize', onResize);
      // Back online: the waiting attempt need not wait longer.
      const onOnline = () => { this.reconnector?.now(); };
      view.addEventListener('online', onOnline);
      this.detach.push(() => { view.removeEventListener('resize', onResize); view.removeEventListener('online', onOnline); });
    }
    this.layout();
  }

  get displayId(): number {
    return this.options.display ?? 0;
  }

  /** The session while connected (for what the viewer does not wrap yet). */
  get session(): SpiceSession | undefined {
    return this.sessionNow;
  }

  get status(): ViewerStatus {
    return this.statusNow;
  }

  get scale(): ScaleMode {
    return this.scaleMode;
  }

  /** Size of the surface shown, once there is one. */
  get surfaceSize(): { width: number; height: number } | undefined {
    return this.surface && { width: this.surface.width, height: this.surface.height };
  }

  setScale(mode: ScaleMode): void {
    this.scaleMode = mode;
    this.layout();
  }

  /** The guest agent's state (not connected while there is no session). */
  get agent(): AgentState {
    return this.sessionNow?.main.agent?.state ?? { connected: false, ready: false, clipboard: false, monitorsConfig: false, caps: [] };
  }

  /** Offers `text` as the guest's clipboard (it goes when the guest pastes). */
  setClipboard(text: string): void {
    this.clipboard.set(text);
  }

  /**
   * Sends the browser's clipboard text to the guest (navigator.clipboard.readText). With
   * `quiet`, only when the page may read it without asking. Resolves false when the browser
   * does not let the page read its clipboard (the page can offer a text field instead).
   */
  readBrowserClipboard(quiet = false): Promise<boolean> {
    return this.clipboard.readBrowser(quiet);
  }

  focus(): void {
    this.canvas.focus({ preventScroll: true });
  }

  /** The sound player (absent with option audio: false). */
  get audio(): AudioPlayer | undefined {
    return this.audioPlayer;
  }

  /** Mutes or unmutes the guest's sound here (the guest's own mute applies too). */
  setMuted(muted: boolean): void {
    this.audioPlayer?.setMuted(muted);
    if (muted && this.audioHint) this.audioHint.hidden = true;
  }

  /** Starts sound that waits for a user gesture (call from a click or key handler of the page). */
  enableAudio(): Promise<void> {
    return this.audioPlayer?.resume() ?? Promise.resolve();
  }

  /** Sends a key combination, e.g. 'ctrl+alt+Delete' (see KEY_COMBOS). */
  sendCombo(combo: string): void {
    this.keyboard.sendCombo(combo);
    this.focus();
  }

  /** Asks the server for the other mouse mode. */
  requestMouseMode(mode: 'client' | 'server'): void {
    this.sessionNow?.main.requestMouseMode(mode);
  }

  /**
   * Connects (closing any session first). Resolves once the session is up; rejects with
   * the SpiceError also reported by the 'status' event (state 'disconnected'). A session
   * lost later is connected again by itself (option `reconnect`).
   */
  async connect(opts: ConnectOptions): Promise<void> {
    this.reconnector?.reset();
    this.target = { ...opts };
    await this.open(0);
  }

  /** While waiting to reconnect: tries at once. False when no attempt is waiting. */
  reconnectNow(): boolean {
    return this.reconnector?.now() ?? false;
  }

  /** Leaves the session (and stops reconnecting); the last picture stays on the canvas. */
  disconnect(reason = 'Disconnected.'): void {
    this.generation++;
    this.reconnector?.reset();
    const had = this.sessionNow !== undefined || this.statusNow.state !== 'disconnected';
    this.closeSession();
    if (had) this.setStatus({ state: 'disconnected', reason });
  }

  /** Disconnects and removes the viewer's elements and listeners. */
  destroy(): void {
    this.disconnect();
    for (const f of this.detach.splice(0)) f();
    this.resizeObserver?.disconnect();
    this.cursor.remove();
    this.screen.remove();
  }

  // ------------------------------------------------------------------ session

  /** Opens a session to the last target: the user's connect() (attempt 0) or a reconnection. */
  private async open(attempt: number): Promise<void> {
    const opts = this.target!;
    this.closeSession();
    const gen = ++this.generation;
    if (attempt === 0) this.setStatus({ state: 'connecting', reason: `Connecting to ${opts.url}…` });
    else {
      const of = attemptWords(attempt, this.reconnector!.policy.maxAttempts);
      this.setStatus({ state: 'reconnecting', reason: `Reconnecting to ${opts.url} ${of}…`, attempt });
    }
    let session: SpiceSession;
    try {
      const sessionOptions = browserSessionOptions(this.options, opts);
      if (this.audioPlayer) {
        sessionOptions.channels = [...(sessionOptions.channels ?? DEFAULT_CHANNELS), 'playback'];
        sessionOptions.playback = { opus: await this.audioPlayer.wantsOpus(), ...sessionOptions.playback };
      }
      session = await SpiceSession.connect(sessionOptions);
    } catch (e) {
      const err = toSpiceError(e, ErrorCode.CONNECT);
      if (gen === this.generation) {
        const words = describeError(err, { url: opts.url, passwordGiven: !!opts.password });
        this.emit('error', err);
        if (attempt === 0) this.setStatus({ state: 'disconnected', reason: words.text, error: err, needsPassword: words.needsPassword });
        else this.lost(words.text, err, words.needsPassword);
      }
      // Only the caller of connect() hears of the failure; reconnections report it by status.
      if (attempt === 0) throw err;
      return;
    }
    if (gen !== this.generation) { session.close(); return; }
    this.attachSession(session, opts.url);
  }

  private attempt(n: number): void {
    if (this.target) void this.open(n);
  }

  /**
   * The session ended by itself, or a reconnection failed, for the reason `words`: wait and
   * try again, or stay disconnected when that would not help (or reconnecting is off).
   */
  private lost(words: string, error: SpiceError | undefined, needsPassword = false): void {
    const plan = this.reconnector?.lost(error);
    if (plan && !/[.!?…]$/.test(words)) words += '.';
    if (plan?.retry) {
      const of = attemptWords(plan.attempt, this.reconnector!.policy.maxAttempts);
      this.setStatus({
        state: 'reconnecting', reason: `${words} Reconnecting in ${delayWords(plan.delayMs)} ${of}…`,
        error, attempt: plan.attempt, delayMs: plan.delayMs,
      });
      return;
    }
    const reason = plan?.why === 'exhausted'
      ? `${words} Gave up after ${this.reconnector!.attemptCount} attempts to reconnect.`
      : words;
    this.setStatus({ state: 'disconnected', reason, error, needsPassword });
  }

  private attachSession(s: SpiceSession, url: string): void {
    this.sessionNow = s;
    const on = this.offSession;
    on.push(
      s.on('surface', (e) => { if (e.display === this.displayId && e.primary) this.showSurface(); }),
      s.on('surface-destroyed', (e) => {
        if (e.display === this.displayId && this.surface?.id === e.surfaceId) this.surface = undefined;
      }),
      s.on('invalidate', (e) => {
        const surf = this.surface;
        if (e.display !== this.displayId || !surf || e.surfaceId !== surf.id) return;
        this.dirty.add(e.rect, surf.width, surf.height);
        this.requestFrame();
      }),
      s.on('cursor', (e) => this.cursor.update(e)),
      s.on('playback', (e) => this.audioPlayer?.handle(e)),
      s.on('agent', (st) => this.agentChanged(st)),
      s.on('clipboard', ({ text }) => this.clipboard.fromGuest(text)),
      s.on('mouse-mode', (e) => {
        this.cursor.setMode(e.mode);
        this.emit('mouse-mode', { mode: e.mode });
      }),
      s.on('error', (e) => {
        this.emit('error', e);
        if (e.channel === 'display' && e.channelId === this.displayId) {
          this.setStatus({ ...this.statusNow, reason: `The display stopped: ${e.message}`, error: e });
        }
      }),
      s.on('disconnected', ({ error }) => {
        if (this.sessionNow !== s) return;
        this.closeSession();
        if (error) this.emit('error', error);
        const words = error ? describeError(error, { url, passwordGiven: !!this.target?.password }).text : 'The server closed the connection.';
        this.lost(words, error);
      }),
    );
    // Messages handled before connect() resolved: the surface and cursor may exist already.
    this.showSurface();
    const stream = s.playback?.stream;
    if (stream) this.audioPlayer?.handle({ kind: 'start', ...stream, time: 0 });
    if (s.cursor) this.cursor.update({ kind: 'shape', shape: s.cursor.shape, x: s.cursor.x, y: s.cursor.y, visible: s.cursor.visible });
    this.cursor.setMode(s.mouseMode);
    this.setStatus({ state: 'connected', reason: `Connected to ${s.serverName ? `${s.serverName} (${url})` : url}.` });
    this.reconnector?.connected();
    this.keyboard.focused();
    // The agent may have become ready while the session was being set up.
    this.agentChanged(s.agent.state);
  }

  private closeSession(): void {
    const s = this.sessionNow;
    for (const off of this.offSession.splice(0)) off();
    if (!s) return;
    // Let go of keys and buttons before leaving, so nothing stays held in the guest.
    this.keyboard.releaseAll();
    this.pointer.releaseAll();
    this.sessionNow = undefined;
    this.clipboard.sessionClosed();
    this.cursor.reset();
    this.audioPlayer?.reset();
    void s.disconnect().catch(() => undefined);
  }

  private sendKeyEvents(events: KeyEvent[]): void {
    if (events.length === 0) return;
    this.withInputs((i) => i.keys(events).catch((e) => this.inputFailed(e)));
  }

  /** Runs `f` with the inputs channel while it is open; a channel closing meanwhile is not an error. */
  private withInputs(f: (i: InputsClient) => unknown): void {
    const i = this.sessionNow?.inputs;
    if (!i || i.closed) return;
    try {
      f(i);
    } catch (e) {
      this.inputFailed(e);
    }
  }

  private inputFailed(e: unknown): void {
    const err = toSpiceError(e, ErrorCode.INCONSISTENT);
    if (err.code !== ErrorCode.CLOSED) this.emit('error', err);
  }

  private agentChanged(st: AgentState): void {
    this.emit('agent', st);
    if (!st.ready) return;
    this.requestGuestSize();
    if (this.clipboard.enabled && this.container.ownerDocument.hasFocus()) void this.clipboard.readBrowser(true);
  }

  /** 'resize' mode: asks the guest for the container's size in device pixels (the agent waits for a quiet moment). */
  private requestGuestSize(): void {
    const agent = this.sessionNow?.main.agent;
    if (this.scaleMode !== 'resize' || !agent?.state.ready) return;
    const dpr = this.container.ownerDocument.defaultView?.devicePixelRatio ?? 1;
    const width = Math.floor(this.screen.clientWidth * dpr);
    const height = Math.floor(this.screen.clientHeight * dpr);
    if (width < 1 || height < 1) return;
    try {
      agent.resizeGuest(width, height);
    } catch (e) {
      this.emit('error', toSpiceError(e, ErrorCode.BAD_ARGUMENT));
    }
  }

  private setStatus(s: ViewerStatus): void {
    this.statusNow = s;
    this.emit('status', s);
  }

  // ------------------------------------------------------------------ drawing

  private showSurface(): void {
    const surf = this.sessionNow?.primary(this.displayId);
    if (!surf) return;
    const resized = !this.surface || this.surface.width !== surf.width || this.surface.height !== surf.height;
    this.surface = surf;
    if (resized || !this.image) {
      this.canvas.width = surf.width;
      this.canvas.height = surf.height;
      this.image = new ImageData(surf.width, surf.height);
    }
    this.dirty.addAll(surf.width, surf.height);
    this.requestFrame();
    if (resized) {
      this.layout();
      this.emit('resize', { width: surf.width, height: surf.height });
    }
  }

  private requestFrame(): void {
    if (this.frameRequested) return;
    this.frameRequested = true;
    const view = this.container.ownerDocument.defaultView;
    if (view && typeof view.requestAnimationFrame === 'function') view.requestAnimationFrame(() => this.paint());
    else setTimeout(() => this.paint(), 16);
  }

  private paint(): void {
    this.frameRequested = false;
    const surf = this.surface;
    const img = this.image;
    if (!surf || !img || img.width !== surf.width || img.height !== surf.height) { this.dirty.take(); return; }
    for (const b of this.dirty.take()) {
      argbToRgba(surf.pixels, surf.width, img.data, b);
      this.ctx.putImageData(img, 0, 0, b.x0, b.y0, b.x1 - b.x0, b.y1 - b.y0);
    }
  }

  /** Sizes and places the canvas for the scale mode and the container's size. */
  layout(): void {
    const surf = this.surface;
    const view = this.container.ownerDocument.defaultView;
    const dpr = view?.devicePixelRatio ?? 1;
    const box = { width: this.screen.clientWidth, height: this.screen.clientHeight };
    const size = surf ? { width: surf.width, height: surf.height } : { width: this.canvas.width, height: this.canvas.height };
    const css = canvasCssSize(this.scaleMode, size, box, dpr);
    this.cssScale = css.scale;
    const st = this.canvas.style;
    st.width = `${css.width}px`;
    st.height = `${css.height}px`;
    // Centred when smaller than the screen, from the top-left corner when it scrolls; on
    // whole device pixels (the screen itself may sit at a fraction), so 1:1 stays sharp.
    const at = this.screen.getBoundingClientRect();
    const snap = (origin: number, v: number) => {
      const s = Math.round((origin + v) * dpr) / dpr - origin;
      return s < 0 ? s + 1 / dpr : s;
    };
    st.left = `${snap(at.left, Math.max(0, (box.width - css.width) / 2))}px`;
    st.top = `${snap(at.top, Math.max(0, (box.height - css.height) / 2))}px`;
    this.screen.style.overflow = this.scaleMode === 'none' ? 'auto' : 'hidden';
    st.touchAction = this.scaleMode === 'none' ? 'pan-x pan-y' : 'none';
    this.cursor.relayout();
    this.requestGuestSize();
  }
}
