/**
 * SpiceViewer: a SPICE session shown in a page. It opens the session over WebSockets,
 * draws the primary surface of one display channel (or one monitor: a channel, or a head's
 * part of a surface) on a <canvas> (only the rectangles that changed, once per animation
 * frame), sends keyboard and pointer input, shows the remote cursor, shares clipboard text
 * with the guest agent (browser Clipboard API), can resize the guest to the page ('resize'
 * scale mode), reconnects by itself with backoff when the session is lost, and reports its
 * state with typed events:
 *
 *   const v = new SpiceViewer(document.getElementById('screen')!, { scale: 'fit' });
 *   v.on('status', (s) => (statusLine.textContent = s.reason));
 *   await v.connect({ url: 'ws://127.0.0.1:5900/', password });
 *
 * The parts live in their own files: connection.ts (session lifecycle, reconnection),
 * screen-view.ts (canvas and painting), input-wiring.ts (keyboard and pointer),
 * audio-wiring.ts (sound), monitors.ts (monitor list, shown area, pointer and resize maths).
 */
import { Emitter } from '../channel/emitter.js';
import { DEFAULT_CHANNELS, type SpiceSession, type SessionOptions } from '../client/session.js';
import { ErrorCode, SpiceError, toSpiceError } from '../protocol/errors.js';
import type { AgentState } from '../client/agent.js';
import { browserSessionOptions } from './session-options.js';
import type { ScaleMode } from './render.js';
import type { ViewerStatus } from './status.js';
import { ClipboardShare } from './clipboard.js';
import { RemoteCursor } from './cursor.js';
import type { AudioPlayer } from './audio.js';
import { attachAudio, type ViewerAudio } from './audio-wiring.js';
import { ScreenView } from './screen-view.js';
import { ViewerInput } from './input-wiring.js';
import { ViewerConnection } from './connection.js';
import { MonitorTracker, pointerTarget, requestGuestSize, type ViewerMonitor } from './monitors.js';
import type { ConnectOptions, SpiceViewerOptions, ViewerEvents } from './viewer-options.js';

export type { AgentState } from '../client/agent.js';
export { isScaleMode, type ScaleMode } from './render.js';
export type { ViewerStatus, ViewerState } from './status.js';
export type { ReconnectOptions } from './reconnect.js';
export type { AudioStatus, AudioState, AudioPlayerOptions } from './audio.js';
export type { SpiceViewerOptions, ViewerEvents, ConnectOptions } from './viewer-options.js';
export type { ViewerMonitor, MonitorRect } from './monitors.js';

export class SpiceViewer extends Emitter<ViewerEvents> {
  /** The element holding the canvas (scrolls in scale mode 'none'). */
  readonly screen: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  private readonly view: ScreenView;
  private readonly input: ViewerInput;
  private readonly cursor: RemoteCursor;
  private readonly clipboard: ClipboardShare;
  private readonly conn: ViewerConnection;
  private readonly tracker: MonitorTracker;
  private readonly sound?: ViewerAudio;
  private readonly detach: (() => void)[] = [];
  private readonly resizeObserver?: ResizeObserver;
  /** The display channel whose surface the canvas last showed. */
  private paintedDisplay?: number;

  constructor(readonly container: HTMLElement, readonly options: SpiceViewerOptions = {}) {
    super();
    const doc = container.ownerDocument;
    if (options.monitor !== undefined) checkMonitorNumber(options.monitor);
    this.tracker = new MonitorTracker(options.monitor, options.display ?? 0);
    this.view = new ScreenView(container, options.scale ?? 'fit');
    this.screen = this.view.screen;
    this.canvas = this.view.canvas;
    this.view.onResize = (size) => this.emit('resize', size);
    this.view.onLayout = () => { this.cursor.relayout(); this.requestGuestSize(); };

    this.input = new ViewerInput(this.canvas, {
      inputs: () => this.session?.inputs,
      mouseMode: () => (this.status.state === 'connected' && this.session?.inputs ? this.session.mouseMode : undefined),
      shownSize: () => { const a = this.view.shown; return a && { width: a.width, height: a.height }; },
      place: (x, y) => pointerTarget(this.tracker.view, this.tracker.monitors, x, y, this.session?.main.agent?.state.connected ?? false),
      error: (e) => this.emit('error', e),
    }, options.keyboard);
    this.input.pointer.onLockChange = (locked) => this.emit('pointer-lock', { locked });
    this.cursor = new RemoteCursor(this.canvas, this.screen, () => this.view.origin());
    this.clipboard = new ClipboardShare({
      session: () => this.session,
      view: () => this.container.ownerDocument.defaultView,
      copied: (text, copied) => this.emit('clipboard', { text, copied }),
      error: (e) => this.emit('error', e),
    }, options.clipboard !== false);
    this.detach.push(this.input.attach(this.canvas, doc), this.clipboard.attach(this.canvas));
    if (options.audio !== false) {
      this.sound = attachAudio(this.screen, typeof options.audio === 'object' ? options.audio : {}, {
        status: (st) => this.emit('audio', st),
        error: (e) => this.emit('error', e),
      });
      this.detach.push(() => this.sound!.detach());
    }
    this.conn = new ViewerConnection({
      sessionOptions: (target) => this.sessionOptions(target),
      attach: (s) => this.attachSession(s),
      connected: (s) => {
        this.input.keyboard.focused();
        // The agent may have become ready while the session was being set up.
        this.agentChanged(s.agent.state);
      },
      closing: () => {
        // Let go of keys and buttons before leaving, so nothing stays held in the guest.
        this.input.releaseAll();
        this.clipboard.sessionClosed();
        this.cursor.reset();
        this.sound?.player.reset();
      },
      status: (s) => this.emit('status', s),
      error: (e) => this.emit('error', e),
    }, options.reconnect);
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
      const onOnline = () => { this.conn.reconnectNow(); };
      view.addEventListener('online', onOnline);
      this.detach.push(() => { view.removeEventListener('resize', onResize); view.removeEventListener('online', onOnline); });
    }
    this.layout();
  }

  /** The display channel shown (the chosen monitor's, else option `display`, default 0). */
  get displayId(): number {
    return this.tracker.view.display;
  }

  /** The session while connected (for what the viewer does not wrap yet). */
  get session(): SpiceSession | undefined {
    return this.conn.session;
  }

  get status(): ViewerStatus {
    return this.conn.status;
  }

  get scale(): ScaleMode {
    return this.view.scaleMode;
  }

  /** Size of what the canvas shows (the surface, or the chosen monitor's part of it), once there is one. */
  get surfaceSize(): { width: number; height: number } | undefined {
    const a = this.view.shown;
    return a && { width: a.width, height: a.height };
  }

  setScale(mode: ScaleMode): void {
    this.view.scaleMode = mode;
    this.layout();
  }

  /**
   * The session's monitors: one per display channel, or one per head when a channel reports
   * several (MONITORS_CONFIG). Kept after a session ends, until the next one reports its own.
   */
  get monitors(): readonly ViewerMonitor[] {
    return this.tracker.monitors;
  }

  /** The monitor chosen (option `monitor` or setMonitor()); undefined: the whole surface of `display`. */
  get monitor(): number | undefined {
    return this.tracker.chosen;
  }

  /**
   * Shows monitor `n` (0-based, see `monitors`): its display channel, and for a head only its
   * rectangle of the surface, scaled as the scale mode says; pointer positions go to it and
   * 'resize' resizes it alone. A monitor not (yet) listed is shown once it is; until then the
   * whole surface of option `display`. undefined: that whole surface.
   */
  setMonitor(n: number | undefined): void {
    if (n !== undefined) checkMonitorNumber(n);
    const changed = this.tracker.choose(n);
    if (changed) this.showSurface();
    this.emit('monitors', { monitors: this.tracker.monitors, shown: n });
    this.requestGuestSize();
  }

  /** The guest agent's state (not connected while there is no session). */
  get agent(): AgentState {
    return this.session?.main.agent?.state ?? { connected: false, ready: false, clipboard: false, monitorsConfig: false, caps: [] };
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
    return this.sound?.player;
  }

  /** Mutes or unmutes the guest's sound here (the guest's own mute applies too). */
  setMuted(muted: boolean): void {
    this.sound?.player.setMuted(muted);
    if (muted && this.sound) this.sound.hint.hidden = true;
  }

  /** Starts sound that waits for a user gesture (call from a click or key handler of the page). */
  enableAudio(): Promise<void> {
    return this.sound?.player.resume() ?? Promise.resolve();
  }

  /** Sends a key combination, e.g. 'ctrl+alt+Delete' (see KEY_COMBOS). */
  sendCombo(combo: string): void {
    this.input.keyboard.sendCombo(combo);
    this.focus();
  }

  /** Asks the server for the other mouse mode. */
  requestMouseMode(mode: 'client' | 'server'): void {
    this.session?.main.requestMouseMode(mode);
  }

  /**
   * Connects (closing any session first). Resolves once the session is up; rejects with
   * the SpiceError also reported by the 'status' event (state 'disconnected'). A session
   * lost later is connected again by itself (option `reconnect`).
   */
  connect(opts: ConnectOptions): Promise<void> {
    return this.conn.connect(opts);
  }

  /** While waiting to reconnect: tries at once. False when no attempt is waiting. */
  reconnectNow(): boolean {
    return this.conn.reconnectNow();
  }

  /** Leaves the session (and stops reconnecting); the last picture stays on the canvas. */
  disconnect(reason = 'Disconnected.'): void {
    this.conn.disconnect(reason);
  }

  /** Disconnects and removes the viewer's elements and listeners. */
  destroy(): void {
    this.disconnect();
    for (const f of this.detach.splice(0)) f();
    this.resizeObserver?.disconnect();
    this.cursor.remove();
    this.view.remove();
  }

  /** Sizes and places the canvas for the scale mode and the container's size. */
  layout(): void {
    this.view.layout();
  }

  // ------------------------------------------------------------------ session

  private async sessionOptions(target: ConnectOptions): Promise<SessionOptions> {
    const o = browserSessionOptions(this.options, target);
    if (this.sound) {
      o.channels = [...(o.channels ?? DEFAULT_CHANNELS), 'playback'];
      o.playback = { opus: await this.sound.player.wantsOpus(), ...o.playback };
    }
    return o;
  }

  private attachSession(s: SpiceSession): (() => void)[] {
    const offs = [
      s.on('surface', (e) => {
        if (!e.primary) return;
        this.monitorsChanged();
        if (e.display === this.displayId) this.showSurface();
      }),
      s.on('surface-destroyed', (e) => {
        if (e.display === this.displayId) this.view.surfaceGone(e.surfaceId);
        this.monitorsChanged();
      }),
      s.on('invalidate', (e) => { if (e.display === this.displayId) this.view.invalidate(e.surfaceId, e.rect); }),
      s.on('monitors', () => this.monitorsChanged()),
      s.on('stream', (e) => this.emit('stream', e)),
      s.on('channel-up', (e) => { if (e.name === 'display') this.monitorsChanged(); }),
      s.on('channel-down', (e) => { if (e.name === 'display') this.monitorsChanged(); }),
      s.on('cursor', (e) => this.cursor.update(e)),
      s.on('playback', (e) => this.sound?.player.handle(e)),
      s.on('agent', (st) => this.agentChanged(st)),
      s.on('clipboard', ({ text }) => this.clipboard.fromGuest(text)),
      s.on('mouse-mode', (e) => {
        this.cursor.setMode(e.mode);
        this.emit('mouse-mode', { mode: e.mode });
      }),
      s.on('error', (e) => {
        this.emit('error', e);
        if (e.channel === 'display' && e.channelId === this.displayId) {
          this.conn.setStatus({ ...this.status, reason: `The display stopped: ${e.message}`, error: e });
        }
      }),
    ];
    // Messages handled before connect() resolved: the surfaces, monitors and cursor may exist already.
    this.monitorsChanged(s);
    this.showSurface(s);
    const stream = s.playback?.stream;
    if (stream) this.sound?.player.handle({ kind: 'start', ...stream, time: 0 });
    if (s.cursor) this.cursor.update({ kind: 'shape', shape: s.cursor.shape, x: s.cursor.x, y: s.cursor.y, visible: s.cursor.visible });
    this.cursor.setMode(s.mouseMode);
    return offs;
  }

  /** The session's display channels changed: the list again, and the view if it moved. */
  private monitorsChanged(s = this.session): void {
    const { listChanged, viewChanged } = this.tracker.update(s);
    if (viewChanged) this.showSurface(s);
    if (!listChanged) return;
    this.emit('monitors', { monitors: this.tracker.monitors, shown: this.tracker.chosen });
    // Other monitors moved or came: the config kept for them follows (sent only if it changed).
    if (this.tracker.monitors.length > 1) this.requestGuestSize();
  }

  private agentChanged(st: AgentState): void {
    this.emit('agent', st);
    if (!st.ready) return;
    this.requestGuestSize();
    if (this.clipboard.enabled && this.container.ownerDocument.hasFocus()) void this.clipboard.readBrowser(true);
  }

  /**
   * 'resize' mode: asks the guest for the container's size in device pixels, for the shown
   * monitor (the others kept; see requestGuestSize); the agent waits for a quiet moment.
   */
  private requestGuestSize(): void {
    if (this.view.scaleMode !== 'resize') return;
    const { width, height } = this.view.devicePixelSize();
    try {
      requestGuestSize(this.session?.main.agent, this.tracker.monitors, this.tracker.view, width, height);
    } catch (e) {
      this.emit('error', toSpiceError(e, ErrorCode.BAD_ARGUMENT));
    }
  }

  // ------------------------------------------------------------------ drawing

  /** Puts the view's surface (or part of it) on the canvas; a display without a surface shows nothing. */
  private showSurface(s = this.session): void {
    if (!s) return;
    const v = this.tracker.view;
    const surf = s.primary(v.display);
    if (!surf && this.paintedDisplay !== undefined && this.paintedDisplay !== v.display) {
      this.view.clear();
      this.paintedDisplay = undefined;
      return;
    }
    if (!surf) return;
    this.view.show(surf, v.rect);
    this.paintedDisplay = v.display;
  }
}

function checkMonitorNumber(n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new SpiceError(ErrorCode.BAD_ARGUMENT, `a monitor number is 0, 1, ...; got ${String(n)}`);
}
