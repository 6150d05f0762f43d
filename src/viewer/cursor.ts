/**
 * The remote cursor in the page. Client mouse mode: the page's own pointer takes the
 * remote shape (a CSS cursor from a data: URL, hot spot included), or disappears when the
 * server hides it. Server mouse mode: the local pointer is locked and hidden, so the shape
 * is drawn as an overlay element where the server says the pointer is.
 */
import type { CursorShape } from '../client/channels/cursor-shape.js';
import type { CursorEvent } from '../client/channels/cursor.js';

/** Browsers ignore CSS cursors larger than this (Chrome: 128 px a side). */
export const MAX_CSS_CURSOR = 128;

/**
 * The shape's pixels (0xAARRGGBB, straight alpha, as SPICE sends them) as RGBA bytes
 * for an ImageData.
 */
export function cursorRgba(shape: CursorShape): Uint8ClampedArray<ArrayBuffer> {
  const n = shape.width * shape.height;
  if (shape.pixels.length < n) throw new RangeError(`cursor ${shape.width}x${shape.height} has only ${shape.pixels.length} pixels`);
  const out = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    const p = shape.pixels[i]!;
    out[i * 4] = (p >>> 16) & 0xff;
    out[i * 4 + 1] = (p >>> 8) & 0xff;
    out[i * 4 + 2] = p & 0xff;
    out[i * 4 + 3] = p >>> 24;
  }
  return out;
}

/** The CSS `cursor` value for a data URL and hot spot ('none' for a hidden cursor). */
export function cssCursor(url: string | undefined, hotX: number, hotY: number): string {
  if (!url) return 'none';
  return `url("${url}") ${Math.max(0, Math.round(hotX))} ${Math.max(0, Math.round(hotY))}, default`;
}

export class RemoteCursor {
  private shape: CursorShape | null = null;
  private visible = false;
  private x = 0;
  private y = 0;
  private mode: 'client' | 'server' = 'client';
  private readonly urls = new WeakMap<CursorShape, string>();
  private readonly overlay: HTMLDivElement;

  /**
   * `el` gets the CSS cursor; the overlay is added to `layer` (the positioned element that
   * holds `el`). `where` tells where the surface's top-left corner is inside `layer` and
   * how many CSS pixels a surface pixel takes.
   */
  constructor(
    private readonly el: HTMLElement, layer: HTMLElement,
    private readonly where: () => { left: number; top: number; scale: number },
  ) {
    const doc = el.ownerDocument;
    this.overlay = doc.createElement('div');
    this.overlay.className = 'spice-cursor';
    const s = this.overlay.style;
    s.position = 'absolute';
    s.pointerEvents = 'none';
    s.display = 'none';
    s.backgroundRepeat = 'no-repeat';
    s.backgroundSize = '100% 100%';
    s.zIndex = '1';
    layer.appendChild(this.overlay);
  }

  update(e: CursorEvent): void {
    if (e.kind === 'shape') {
      this.shape = e.shape;
      this.visible = e.visible && e.shape !== null;
      this.x = e.x;
      this.y = e.y;
    } else if (e.kind === 'move') {
      this.x = e.x;
      this.y = e.y;
      this.visible = this.shape !== null;
    } else {
      this.visible = false;
    }
    this.apply();
  }

  setMode(mode: 'client' | 'server'): void {
    this.mode = mode;
    this.apply();
  }

  /** Forgets the shape (disconnect): the page pointer comes back. */
  reset(): void {
    this.shape = null;
    this.visible = false;
    this.el.style.cursor = '';
    this.overlay.style.display = 'none';
  }

  /** Re-places the overlay after the canvas moved or changed scale. */
  relayout(): void {
    if (this.mode === 'server') this.apply();
  }

  remove(): void {
    this.overlay.remove();
  }

  private dataUrl(shape: CursorShape): string | undefined {
    const hit = this.urls.get(shape);
    if (hit) return hit;
    if (shape.width <= 0 || shape.height <= 0) return undefined;
    const c = this.el.ownerDocument.createElement('canvas');
    c.width = shape.width;
    c.height = shape.height;
    const ctx = c.getContext('2d');
    if (!ctx) return undefined;
    ctx.putImageData(new ImageData(cursorRgba(shape), shape.width, shape.height), 0, 0);
    const url = c.toDataURL('image/png');
    this.urls.set(shape, url);
    return url;
  }

  private apply(): void {
    const shape = this.visible ? this.shape : null;
    const url = shape ? this.dataUrl(shape) : undefined;
    const o = this.overlay.style;
    if (this.mode === 'client') {
      o.display = 'none';
      const fits = shape && shape.width <= MAX_CSS_CURSOR && shape.height <= MAX_CSS_CURSOR;
      this.el.style.cursor = shape && fits ? cssCursor(url, shape.hotX, shape.hotY) : shape ? 'default' : 'none';
      return;
    }
    this.el.style.cursor = 'none';
    if (!shape || !url) { o.display = 'none'; return; }
    const w = this.where();
    o.display = 'block';
    o.backgroundImage = `url("${url}")`;
    o.left = `${w.left + (this.x - shape.hotX) * w.scale}px`;
    o.top = `${w.top + (this.y - shape.hotY) * w.scale}px`;
    o.width = `${shape.width * w.scale}px`;
    o.height = `${shape.height * w.scale}px`;
  }
}
