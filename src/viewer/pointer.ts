/**
 * Pointer input for the web viewer. Client mouse mode: absolute positions, mapped from the
 * page through the canvas's current scaling to surface pixels. Server mouse mode: the page
 * pointer is locked (Pointer Lock) at the first click and relative motion is sent. Both:
 * buttons (left, middle, right, back, forward) as changes of the held-button set, and the
 * wheel as SPICE's UP/DOWN button clicks.
 *
 * The mapping and wheel arithmetic are pure functions (unit-tested in Node); PointerInput
 * does the DOM wiring.
 */
import { MouseButton } from '../protocol/enums/index.js';

/** Page (client) coordinates -> surface pixel, clamped to the surface. */
export function clientToSurface(
  clientX: number, clientY: number,
  box: { left: number; top: number; width: number; height: number },
  surface: { width: number; height: number },
): { x: number; y: number } {
  const sx = box.width > 0 ? surface.width / box.width : 1;
  const sy = box.height > 0 ? surface.height / box.height : 1;
  const x = Math.floor((clientX - box.left) * sx);
  const y = Math.floor((clientY - box.top) * sy);
  return {
    x: Math.max(0, Math.min(surface.width - 1, x)),
    y: Math.max(0, Math.min(surface.height - 1, y)),
  };
}

/** DOM `buttons` bits in the order of their SPICE buttons: left, right, middle, back, forward. */
const DOM_BUTTON_BITS: readonly [number, number][] = [
  [1, MouseButton.LEFT], [2, MouseButton.RIGHT], [4, MouseButton.MIDDLE], [8, MouseButton.SIDE], [16, MouseButton.EXTRA],
];

/** The SPICE buttons pressed and released going from DOM `buttons` mask `before` to `after`. */
export function buttonChanges(before: number, after: number): { press: number[]; release: number[] } {
  const press: number[] = [];
  const release: number[] = [];
  for (const [bit, spice] of DOM_BUTTON_BITS) {
    if (!(before & bit) && (after & bit)) press.push(spice);
    else if ((before & bit) && !(after & bit)) release.push(spice);
  }
  return { press, release };
}

/**
 * Wheel deltas -> whole wheel clicks (negative up). Pixel deltas count 100 px a click
 * (Chrome's notch), lines 3 a click (Firefox's notch), pages one each; touchpads'
 * small deltas add up. A change of direction drops what was left over.
 */
export class WheelAccumulator {
  private rest = 0;

  constructor(private readonly pixelsPerClick = 100) {}

  add(deltaY: number, deltaMode = 0): number {
    if (!Number.isFinite(deltaY) || deltaY === 0) return 0;
    const px = deltaMode === 1 ? deltaY * (this.pixelsPerClick / 3) : deltaMode === 2 ? deltaY * this.pixelsPerClick : deltaY;
    if (Math.sign(px) !== Math.sign(this.rest)) this.rest = 0;
    this.rest += px;
    const clicks = Math.trunc(this.rest / this.pixelsPerClick) || 0; // no -0
    this.rest -= clicks * this.pixelsPerClick;
    return clicks;
  }
}

/** Where pointer input goes (the inputs channel, through the viewer). */
export interface PointerSink {
  /** The current mouse mode; undefined while not connected (input is ignored). */
  mode(): 'client' | 'server' | undefined;
  /** The size of the surface shown. */
  surfaceSize(): { width: number; height: number } | undefined;
  position(x: number, y: number): void;
  motion(dx: number, dy: number): void;
  press(button: number): void;
  release(button: number): void;
}

/** The DOM element the pointer works on (a canvas). */
export interface PointerTarget extends EventTarget {
  getBoundingClientRect(): { left: number; top: number; width: number; height: number };
  setPointerCapture?(id: number): void;
  requestPointerLock?(): unknown;
  focus?(opts?: { preventScroll?: boolean }): void;
  readonly ownerDocument: Document;
}

export class PointerInput {
  private buttons = 0;
  private readonly wheel = new WheelAccumulator();
  /** Called when the Pointer Lock starts or ends (server mouse mode). */
  onLockChange?: (locked: boolean) => void;

  constructor(private readonly el: PointerTarget, private readonly sink: PointerSink) {}

  get locked(): boolean {
    return this.el.ownerDocument.pointerLockElement === (this.el as unknown as Element);
  }

  /** Sends releases for held buttons (focus lost, disconnect). */
  releaseAll(): void {
    const { release } = buttonChanges(this.buttons, 0);
    this.buttons = 0;
    if (this.sink.mode() === undefined) return;
    for (const b of release) this.sink.release(b);
  }

  private sendButtons(after: number): void {
    const { press, release } = buttonChanges(this.buttons, after);
    this.buttons = after;
    for (const b of release) this.sink.release(b);
    for (const b of press) this.sink.press(b);
  }

  private place(e: PointerEvent | MouseEvent): boolean {
    const mode = this.sink.mode();
    if (mode === 'client') {
      const size = this.sink.surfaceSize();
      if (!size) return false;
      const p = clientToSurface(e.clientX, e.clientY, this.el.getBoundingClientRect(), size);
      this.sink.position(p.x, p.y);
      return true;
    }
    if (mode === 'server' && this.locked) {
      if (e.movementX || e.movementY) this.sink.motion(e.movementX, e.movementY);
      return true;
    }
    return false;
  }

  private onMove = (e: PointerEvent): void => {
    if (!this.place(e)) return;
    // A second button pressed while one is held comes as a move ("chorded" buttons).
    if (e.buttons !== this.buttons) this.sendButtons(e.buttons);
  };

  private onDown = (e: PointerEvent): void => {
    this.el.focus?.({ preventScroll: true });
    const mode = this.sink.mode();
    if (mode === undefined) return;
    e.preventDefault();
    if (mode === 'server' && !this.locked) {
      // The first click only takes the pointer; the guest does not see it.
      void Promise.resolve(this.el.requestPointerLock?.()).catch(() => undefined);
      return;
    }
    if (mode === 'client') this.el.setPointerCapture?.(e.pointerId);
    if (!this.place(e)) return;
    this.sendButtons(e.buttons);
  };

  private onUp = (e: PointerEvent): void => {
    if (this.sink.mode() === undefined) return;
    e.preventDefault();
    this.place(e);
    this.sendButtons(e.buttons);
  };

  private onWheel = (e: WheelEvent): void => {
    const mode = this.sink.mode();
    if (mode === undefined || (mode === 'server' && !this.locked)) return;
    e.preventDefault();
    this.place(e);
    const clicks = this.wheel.add(e.deltaY, e.deltaMode);
    const b = clicks < 0 ? MouseButton.UP : MouseButton.DOWN;
    for (let i = 0; i < Math.abs(clicks); i++) { this.sink.press(b); this.sink.release(b); }
  };

  // Stops text selection, middle-click scrolling, the context menu and back/forward navigation.
  private swallow = (e: Event): void => {
    if (this.sink.mode() !== undefined) e.preventDefault();
  };

  private onLock = (): void => {
    if (!this.locked) this.releaseAll();
    this.onLockChange?.(this.locked);
  };

  /** Listens on the element; returns the function that removes the listeners. */
  attach(): () => void {
    const el = this.el;
    const doc = el.ownerDocument;
    const opts = { passive: false } as AddEventListenerOptions;
    const pairs: [EventTarget, string, EventListener][] = [
      [el, 'pointermove', this.onMove as EventListener],
      [el, 'pointerdown', this.onDown as EventListener],
      [el, 'pointerup', this.onUp as EventListener],
      [el, 'pointercancel', (() => this.releaseAll()) as EventListener],
      [el, 'wheel', this.onWheel as EventListener],
      [el, 'contextmenu', this.swallow],
      [el, 'mousedown', this.swallow],
      [el, 'mouseup', this.swallow],
      [el, 'auxclick', this.swallow],
      [doc, 'pointerlockchange', this.onLock],
    ];
    for (const [t, type, fn] of pairs) t.addEventListener(type, fn, opts);
    return () => { for (const [t, type, fn] of pairs) t.removeEventListener(type, fn, opts); };
  }
}
