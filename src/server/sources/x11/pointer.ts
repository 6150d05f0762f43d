/**
 * Where the X pointer is, for the x11 source. With XInput 2.1 or later the source selects
 * raw motion events on the root window (delivered whatever window or grab has the
 * pointer) and asks for the position (QueryPointer) only when the pointer moved, at most
 * once per `minIntervalMs` while it keeps moving: an idle display costs nothing. Pointer
 * warps raise no raw motion, so the position is also polled when a viewer is shown it
 * (server mouse mode), when XInput 2 is missing, or when an interval is given.
 */
import type { X11Connection } from './connection.js';
import { encodeQueryPointer, parseQueryPointer } from './protocol.js';
import { XI, encodeXIQueryVersion, encodeXISelectEvents, parseGenericEvent, parseXIQueryVersion } from './extensions.js';

export interface PointerWatchOptions {
  /** Use XInput 2 raw motion (default true). */
  events?: boolean;
  /** Shortest gap between two queries while the pointer moves, ms (default 10). */
  minIntervalMs?: number;
  /** Poll interval, ms (0: never). Default 50, used only where no event tells (see above); given: always. */
  pollMs?: number;
}

export class PointerWatch {
  /** The last position known (reported, or set by our own XTEST motion). */
  last = { x: -1, y: -1 };
  /** XInputExtension's major opcode once raw motion is selected. */
  private xi2 = 0;
  private pollTimer?: ReturnType<typeof setInterval>;
  private busy = false;
  private again = false;
  private followed = false;
  private running = false;
  private stopped = false;

  constructor(
    private readonly conn: X11Connection,
    private readonly root: number,
    private readonly opts: PointerWatchOptions,
    private readonly report: (x: number, y: number) => void,
    private readonly fatal: (e: unknown) => void,
    private readonly log: (msg: string) => void,
  ) {}

  /** During setup: selects raw motion when the server has XInput 2.1+ (`xinput`: its major opcode, 0 if absent). */
  async select(xinput: number): Promise<void> {
    if (!xinput || !(this.opts.events ?? true)) return;
    const v = await this.conn.request(encodeXIQueryVersion(xinput, 2, 2), 'XIQueryVersion').then(parseXIQueryVersion, () => undefined);
    if (!v || v.major < 2 || (v.major === 2 && v.minor < 1)) return;
    this.xi2 = xinput;
    this.conn.send(encodeXISelectEvents(xinput, this.root, XI.AllMasterDevices, [XI.RawMotion]), (e) => {
      this.log(`x11: XInput 2 raw motion refused (error ${e.code}): polling the pointer`);
      this.xi2 = 0;
      this.update();
    });
  }

  /** The source is running: positions are reported from now on. */
  start(): void {
    this.running = true;
    this.update();
  }

  /** A GenericEvent (code 35); true when it was ours. */
  onGenericEvent(b: Uint8Array): boolean {
    if (!this.xi2 || b[1] !== this.xi2) return false;
    if (parseGenericEvent(b).evtype === XI.RawMotion && this.running) this.moved();
    return true;
  }

  /** Whether a viewer is shown the position (server mouse mode). */
  setFollowed(followed: boolean): void {
    this.followed = followed;
    this.update();
  }

  stop(): void {
    this.stopped = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = undefined;
  }

  private update(): void {
    if (this.stopped || !this.running) return;
    const ms = this.opts.pollMs ?? 50;
    const want = ms > 0 && (this.opts.pollMs !== undefined || !this.xi2 || this.followed);
    if (want && !this.pollTimer) {
      this.pollTimer = setInterval(() => { if (!this.busy) void this.query(); }, ms);
      this.pollTimer.unref?.();
    } else if (!want && this.pollTimer) {
      clearInterval(this.pollTimer);
      this.pollTimer = undefined;
    }
  }

  /** Raw motion: ask where the pointer is now, or once more after the query under way. */
  private moved(): void {
    if (this.busy) { this.again = true; return; }
    void this.query();
  }

  /** Asks for the position (again, a little later, while it keeps moving) and reports changes. */
  private async query(): Promise<void> {
    if (this.busy || this.stopped || this.conn.isClosed) return;
    this.busy = true;
    try {
      do {
        this.again = false;
        const p = parseQueryPointer(await this.conn.request(encodeQueryPointer(this.root), 'QueryPointer'));
        if (this.stopped) return;
        if (p.sameScreen && (p.rootX !== this.last.x || p.rootY !== this.last.y)) {
          this.last = { x: p.rootX, y: p.rootY };
          this.report(p.rootX, p.rootY);
        }
        if (this.again) await new Promise<void>((r) => setTimeout(r, this.opts.minIntervalMs ?? 10).unref?.());
      } while (this.again && !this.stopped && !this.conn.isClosed);
    } catch (e) {
      this.fatal(e);
    } finally {
      this.busy = false;
    }
  }
}
