/**
 * The monitors of a SPICE session as the web viewer sees them, and what showing one means.
 * A session shows several monitors in one of two ways:
 *  - several display channels (QEMU with several QXL devices): monitor N is channel N;
 *  - several heads of one primary surface (Xspice, or a QXL guest driver with several
 *    outputs): MONITORS_CONFIG gives each head's rectangle inside the surface.
 * Here: the list built from the display channels, the part of a surface a chosen monitor
 * covers, where a pointer position goes (which display id, which coordinates), and the
 * monitors config that resizes the shown monitor and keeps the others. No DOM here.
 */
import type { MonitorConfig } from '../client/agent.js';

/** A rectangle: x, y of its top-left corner, width and height (surface pixels). */
export interface MonitorRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ViewerMonitor {
  /** Its number in the viewer's list: what option `monitor` and setMonitor(n) take (0-based). */
  id: number;
  /** The display channel showing it. */
  display: number;
  /**
   * The head's monitor id from MONITORS_CONFIG; absent when the channel reported no head
   * (the monitor is its whole primary surface).
   */
  head?: number;
  /** Where it is in the channel's primary surface (width and height 0 while there is no surface). */
  rect: MonitorRect;
  /**
   * The display id the inputs channel and the guest agent know it by: the head's id on
   * display channel 0, else the channel's id (as spice-gtk numbers them).
   */
  displayId: number;
}

/** A MONITORS_CONFIG head as the display channel reports it. */
export interface HeadInfo {
  id: number;
  surfaceId: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** What the monitor list is made from: a display channel, its primary surface and its heads. */
export interface DisplayInfo {
  id: number;
  surface?: { id: number; width: number; height: number };
  heads: readonly HeadInfo[];
}

/** The part of `r` inside a width x height surface (width/height 0 when nothing is). */
export function clipToSurface(r: MonitorRect, width: number, height: number): MonitorRect {
  const x0 = Math.max(0, Math.min(width, Math.floor(r.x)));
  const y0 = Math.max(0, Math.min(height, Math.floor(r.y)));
  const x1 = Math.max(x0, Math.min(width, Math.floor(r.x + r.width)));
  const y1 = Math.max(y0, Math.min(height, Math.floor(r.y + r.height)));
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * The monitors, numbered in the order of the display channels and, within one, of its
 * heads. Heads with no size, on another surface than the primary one or wholly outside
 * it are left out; a channel without such heads is one monitor (its whole surface), also
 * while it has no surface yet (a second QXL device the guest never set up).
 */
export function listMonitors(displays: readonly DisplayInfo[]): ViewerMonitor[] {
  const out: ViewerMonitor[] = [];
  for (const d of [...displays].sort((a, b) => a.id - b.id)) {
    const s = d.surface;
    let heads = 0;
    for (const h of d.heads) {
      if (!(h.width > 0 && h.height > 0)) continue;
      if (s && h.surfaceId !== s.id) continue;
      const rect = s ? clipToSurface(h, s.width, s.height) : { x: h.x, y: h.y, width: h.width, height: h.height };
      if (rect.width === 0 || rect.height === 0) continue;
      out.push({ id: out.length, display: d.id, head: h.id, rect, displayId: d.id === 0 ? h.id : d.id });
      heads++;
    }
    if (heads === 0) {
      out.push({
        id: out.length, display: d.id, displayId: d.id,
        rect: { x: 0, y: 0, width: s?.width ?? 0, height: s?.height ?? 0 },
      });
    }
  }
  return out;
}

export function sameMonitors(a: readonly ViewerMonitor[], b: readonly ViewerMonitor[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.display !== y.display || x.head !== y.head || x.displayId !== y.displayId || x.rect.x !== y.rect.x ||
      x.rect.y !== y.rect.y || x.rect.width !== y.rect.width || x.rect.height !== y.rect.height) return false;
  }
  return true;
}

/** What the canvas shows: a display channel's primary surface, or the part `rect` of it. */
export interface MonitorView {
  display: number;
  /** Absent: the whole surface. */
  rect?: MonitorRect;
  /** The monitor shown, when one was chosen and exists. */
  monitor?: ViewerMonitor;
}

/**
 * The view for the chosen monitor: its channel and, for a head, its rectangle. Without a
 * choice, or while the chosen monitor is not (yet) in the list, the whole primary surface of
 * display channel `fallbackDisplay`.
 */
export function viewFor(monitors: readonly ViewerMonitor[], chosen: number | undefined, fallbackDisplay: number): MonitorView {
  const m = chosen === undefined ? undefined : monitors[chosen];
  if (!m) return { display: fallbackDisplay };
  return m.head === undefined ? { display: m.display, monitor: m } : { display: m.display, rect: m.rect, monitor: m };
}

export function sameView(a: MonitorView, b: MonitorView): boolean {
  const ra = a.rect;
  const rb = b.rect;
  if (a.display !== b.display || !ra !== !rb) return false;
  return !ra || (ra.x === rb!.x && ra.y === rb!.y && ra.width === rb!.width && ra.height === rb!.height);
}

/** A mouse position message: coordinates and the display id they are in. */
export interface PointerTargetPosition {
  x: number;
  y: number;
  display: number;
}

/**
 * Where a pointer at (x, y) of the view goes (client mouse mode). spice-server gives the
 * position either to the guest agent, which adds the offset of monitor `display` itself
 * (so: coordinates inside that monitor), or, without an agent, to its tablet device, which
 * knows no monitors and takes the coordinates in the whole primary surface (`display` is
 * then ignored). `agentMouse`: an agent is connected, so the server uses it.
 */
export function pointerTarget(
  view: MonitorView, monitors: readonly ViewerMonitor[], x: number, y: number, agentMouse: boolean,
): PointerTargetPosition {
  const ox = view.rect?.x ?? 0;
  const oy = view.rect?.y ?? 0;
  const sx = x + ox;
  const sy = y + oy;
  // The head the point is on: the shown one, or (whole surface shown) the one under it.
  let m = view.monitor;
  if (!m || m.head === undefined) {
    const heads = monitors.filter((h) => h.display === view.display && h.head !== undefined);
    m = heads.find((h) => sx >= h.rect.x && sx < h.rect.x + h.rect.width && sy >= h.rect.y && sy < h.rect.y + h.rect.height) ?? m;
  }
  if (!m) return { x: sx, y: sy, display: view.display };
  if (!agentMouse || m.head === undefined) return { x: sx, y: sy, display: m.displayId };
  return { x: sx - m.rect.x, y: sy - m.rect.y, display: m.displayId };
}

/**
 * The monitors config that gives the shown monitor `shown` a width x height screen and keeps
 * the others as they are: an entry per display id (the agent's monitor number), with monitors
 * that are off (no surface) left off. Heads of one surface keep their places; those right of
 * or below the shown one move by its change of size. Monitors on several channels are laid out
 * left to right in display-id order. Without a chosen monitor, or with one monitor: one screen.
 */
export function guestMonitorsConfig(
  monitors: readonly ViewerMonitor[], shown: number | undefined, width: number, height: number,
): MonitorConfig[] {
  const me = shown === undefined ? undefined : monitors[shown];
  if (!me || monitors.length <= 1) return [{ x: 0, y: 0, width, height }];
  const sized = monitors.map((m) => ({
    m, width: m === me ? width : m.rect.width, height: m === me ? height : m.rect.height, x: m.rect.x, y: m.rect.y,
  }));
  const oneSurface = monitors.every((m) => m.display === me.display && m.head !== undefined);
  if (oneSurface) {
    const dw = width - me.rect.width;
    const dh = height - me.rect.height;
    for (const e of sized) {
      if (e.m === me) continue;
      if (e.x >= me.rect.x + me.rect.width) e.x += dw;
      if (e.y >= me.rect.y + me.rect.height) e.y += dh;
    }
  } else {
    let x = 0;
    for (const e of [...sized].sort((a, b) => a.m.displayId - b.m.displayId)) {
      e.y = 0;
      e.x = x;
      if (e.width > 0 && e.height > 0) x += e.width;
    }
  }
  const out: MonitorConfig[] = [];
  for (const e of sized) {
    const on = e.width > 0 && e.height > 0;
    out[e.m.displayId] = on ? { x: Math.max(0, e.x), y: Math.max(0, e.y), width: e.width, height: e.height } : { x: 0, y: 0, width: 0, height: 0 };
  }
  for (let i = 0; i < out.length; i++) out[i] ??= { x: 0, y: 0, width: 0, height: 0 };
  return out;
}

/** The part of the guest agent that resizes the guest (AgentClient has it). */
export interface GuestResizer {
  readonly state: { ready: boolean };
  setMonitors(monitors: MonitorConfig[]): void;
}

/**
 * 'resize' scale mode: asks the guest (through its agent, after its quiet time) for a
 * width x height screen on the monitor `view` shows, the others kept (guestMonitorsConfig).
 * The whole surface of a display channel with several heads is left as it is (resizing it
 * would take the guest's other heads away). False when nothing was asked (no ready agent, no
 * size yet, several heads shown); throws what the agent refuses.
 */
export function requestGuestSize(
  agent: GuestResizer | undefined, monitors: readonly ViewerMonitor[], view: MonitorView, width: number, height: number,
): boolean {
  if (!agent?.state.ready || !(width >= 1 && height >= 1)) return false;
  let shown = view.monitor?.id;
  if (shown === undefined && monitors.length > 1) {
    const here = monitors.filter((m) => m.display === view.display);
    if (here.length !== 1) return false;
    shown = here[0]!.id;
  }
  agent.setMonitors(guestMonitorsConfig(monitors, shown, width, height));
  return true;
}

/** What MonitorTracker reads from a session (SpiceSession has it). */
export interface MonitorSession {
  readonly displays: ReadonlyMap<number, {
    primarySurface(): { id: number; width: number; height: number } | undefined;
    readonly monitors: readonly HeadInfo[];
  }>;
}

/** The display channels of `s` as listMonitors takes them. */
export function sessionDisplays(s: MonitorSession): DisplayInfo[] {
  return [...s.displays].map(([id, d]) => {
    const surf = d.primarySurface();
    return { id, surface: surf && { id: surf.id, width: surf.width, height: surf.height }, heads: d.monitors };
  });
}

/**
 * The monitor list of a session and the chosen monitor's view, kept current: call update()
 * when the session's displays changed (surface, monitors, channel up or down); it says
 * whether the list or the view changed.
 */
export class MonitorTracker {
  private list: ViewerMonitor[] = [];
  private viewNow: MonitorView;

  constructor(private chosenNow: number | undefined, private readonly fallbackDisplay: number) {
    this.viewNow = { display: fallbackDisplay };
  }

  get monitors(): readonly ViewerMonitor[] {
    return this.list;
  }

  get chosen(): number | undefined {
    return this.chosenNow;
  }

  get view(): MonitorView {
    return this.viewNow;
  }

  /** Reads the session's displays again (none: the session is gone, the list is kept). */
  update(s: MonitorSession | undefined): { listChanged: boolean; viewChanged: boolean } {
    let listChanged = false;
    if (s) {
      const list = listMonitors(sessionDisplays(s));
      listChanged = !sameMonitors(list, this.list);
      if (listChanged) this.list = list;
    }
    return { listChanged, viewChanged: this.refresh() };
  }

  /** Chooses another monitor (undefined: the whole surface of the fallback display). */
  choose(n: number | undefined): boolean {
    this.chosenNow = n;
    return this.refresh();
  }

  private refresh(): boolean {
    const v = viewFor(this.list, this.chosenNow, this.fallbackDisplay);
    const changed = !sameView(v, this.viewNow) || v.monitor?.displayId !== this.viewNow.monitor?.displayId;
    this.viewNow = v;
    return changed;
  }
}
