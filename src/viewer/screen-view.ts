/**
 * The viewer's screen: the element holding the <canvas>, and the surface painted on it. The
 * canvas shows a primary surface, or one rectangle of it (a monitor's head), one canvas pixel
 * per surface pixel; only the rectangles that changed are converted and put, once per
 * animation frame. layout() sizes and places the canvas for the scale mode.
 */
import { ErrorCode, SpiceError } from '../protocol/errors.js';
import type { Rect, Surface } from '../canvas/types.js';
import { argbToRgba, canvasCssSize, DirtyRects, type ScaleMode } from './render.js';
import { clipToSurface, type MonitorRect } from './monitors.js';

export class ScreenView {
  /** The element holding the canvas (scrolls in scale mode 'none'). */
  readonly screen: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly dirty = new DirtyRects();
  private surfaceNow?: Surface;
  /** The part of the surface shown (the whole surface unless a head was asked for). */
  private area: MonitorRect = { x: 0, y: 0, width: 0, height: 0 };
  private image?: ImageData;
  private frameRequested = false;
  scaleMode: ScaleMode;
  /** CSS pixels per surface pixel, as last laid out. */
  cssScale = 1;
  /** Called when the shown area was created or changed size. */
  onResize?: (size: { width: number; height: number }) => void;
  /** Called at the end of each layout() (cursor overlay, guest size). */
  onLayout?: () => void;

  constructor(private readonly container: HTMLElement, scale: ScaleMode) {
    const doc = container.ownerDocument;
    this.scaleMode = scale;
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
  }

  get surface(): Surface | undefined {
    return this.surfaceNow;
  }

  /** The part of the surface the canvas shows (surface pixels), once there is a surface. */
  get shown(): MonitorRect | undefined {
    return this.surfaceNow && { ...this.area };
  }

  /**
   * Shows `surf` (or keeps the last picture when undefined), all of it or only `rect`
   * (clipped to it). Everything shown is painted again at the next frame.
   */
  show(surf: Surface | undefined, rect?: MonitorRect): void {
    if (!surf) return;
    const area = rect ? clipToSurface(rect, surf.width, surf.height) : { x: 0, y: 0, width: surf.width, height: surf.height };
    const resized = !this.surfaceNow || this.area.width !== area.width || this.area.height !== area.height;
    const moved = this.area.x !== area.x || this.area.y !== area.y;
    this.surfaceNow = surf;
    this.area = area;
    if (resized) {
      this.canvas.width = area.width;
      this.canvas.height = area.height;
    }
    if (!this.image || this.image.width !== surf.width || this.image.height !== surf.height) this.image = new ImageData(surf.width, surf.height);
    this.dirty.addAll(area.width, area.height);
    this.requestFrame();
    if (resized || moved) this.layout();
    if (resized) this.onResize?.({ width: area.width, height: area.height });
  }

  /** Shows nothing (a monitor chosen whose channel has no surface): an empty canvas. */
  clear(): void {
    const had = this.surfaceNow !== undefined || this.canvas.width > 0;
    this.surfaceNow = undefined;
    this.area = { x: 0, y: 0, width: 0, height: 0 };
    this.dirty.take();
    this.canvas.width = 0;
    this.canvas.height = 0;
    this.layout();
    if (had) this.onResize?.({ width: 0, height: 0 });
  }

  /** The surface `surfaceId` was destroyed: nothing to paint from until the next show(). */
  surfaceGone(surfaceId: number): void {
    if (this.surfaceNow?.id === surfaceId) this.surfaceNow = undefined;
  }

  /** Pixels of surface `surfaceId` changed in `r`: painted at the next frame if shown. */
  invalidate(surfaceId: number, r: Rect): void {
    const surf = this.surfaceNow;
    if (!surf || surfaceId !== surf.id) return;
    const a = this.area;
    this.dirty.add({ left: r.left - a.x, top: r.top - a.y, right: r.right - a.x, bottom: r.bottom - a.y }, a.width, a.height);
    this.requestFrame();
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
    const surf = this.surfaceNow;
    const img = this.image;
    const a = this.area;
    if (!surf || !img || img.width !== surf.width || img.height !== surf.height ||
      a.x + a.width > surf.width || a.y + a.height > surf.height) { this.dirty.take(); return; }
    // The ImageData has the surface's size: the changed box is converted in place and put
    // shifted by the area's corner, so a head is drawn without a copy of its own.
    for (const b of this.dirty.take()) {
      const x0 = b.x0 + a.x;
      const y0 = b.y0 + a.y;
      argbToRgba(surf.pixels, surf.width, img.data, { x0, y0, x1: b.x1 + a.x, y1: b.y1 + a.y });
      this.ctx.putImageData(img, 0 - a.x, 0 - a.y, x0, y0, b.x1 - b.x0, b.y1 - b.y0);
    }
  }

  /** Sizes and places the canvas for the scale mode and the container's size. */
  layout(): void {
    const view = this.container.ownerDocument.defaultView;
    const dpr = view?.devicePixelRatio ?? 1;
    const box = { width: this.screen.clientWidth, height: this.screen.clientHeight };
    const size = this.surfaceNow ? { width: this.area.width, height: this.area.height } : { width: this.canvas.width, height: this.canvas.height };
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
    this.onLayout?.();
  }

  /** The screen's size in device pixels (what 'resize' asks the guest for). */
  devicePixelSize(): { width: number; height: number } {
    const dpr = this.container.ownerDocument.defaultView?.devicePixelRatio ?? 1;
    return { width: Math.floor(this.screen.clientWidth * dpr), height: Math.floor(this.screen.clientHeight * dpr) };
  }

  /** Where the shown area's top-left corner is in the screen element (for the cursor overlay). */
  origin(): { left: number; top: number; scale: number } {
    return {
      left: this.canvas.offsetLeft - this.area.x * this.cssScale,
      top: this.canvas.offsetTop - this.area.y * this.cssScale,
      scale: this.cssScale,
    };
  }

  remove(): void {
    this.screen.remove();
  }
}
