/**
 * The <spice-viewer> custom element: a SpiceViewer in a shadow root, for pages that would
 * rather write HTML than code:
 *
 *   <spice-viewer url="ws://127.0.0.1:5900/" scale="fit"></spice-viewer>
 *
 * Attributes: url (connects when set while in the page), password, scale ('fit' | 'none' |
 * 'resize'), mouse-mode ('client' | 'server'), reconnect ('off' to stay disconnected when the
 * session is lost; read when the element enters the page), monitor (0, 1, ...: show only that
 * monitor; removed: the whole screen). Events (bubbling, composed): 'spice-status',
 * 'spice-error', 'spice-resize', 'spice-monitors', whose `detail` is the viewer event's value.
 * Methods: connect(), disconnect(), sendCombo(combo); property `viewer`.
 *
 * The class is made inside a function so that importing this module outside a browser
 * (no HTMLElement) does nothing.
 */
import { SpiceViewer } from './viewer.js';
import { isScaleMode } from './render.js';

/** The monitor attribute's number, or undefined (absent or not a number: the whole screen). */
function monitorAttribute(v: string | null): number | undefined {
  return v !== null && /^\d{1,3}$/.test(v.trim()) ? Number(v.trim()) : undefined;
}

export const ELEMENT_NAME = 'spice-viewer';

export interface SpiceViewerElement extends HTMLElement {
  readonly viewer: SpiceViewer | undefined;
  connect(): Promise<void>;
  disconnect(): void;
  sendCombo(combo: string): void;
}

/** Defines <spice-viewer> (once) in `registry` (default: the page's). Returns the class. */
export function defineSpiceViewerElement(registry: CustomElementRegistry = customElements): CustomElementConstructor {
  const existing = registry.get(ELEMENT_NAME);
  if (existing) return existing;

  class Element extends HTMLElement implements SpiceViewerElement {
    static observedAttributes = ['url', 'password', 'scale', 'mouse-mode', 'monitor'];
    private viewerNow?: SpiceViewer;

    get viewer(): SpiceViewer | undefined {
      return this.viewerNow;
    }

    connectedCallback(): void {
      if (!this.viewerNow) {
        const root = this.shadowRoot ?? this.attachShadow({ mode: 'open' });
        const style = this.ownerDocument.createElement('style');
        style.textContent = ':host { display: block; position: relative; min-height: 100px; } .holder { position: absolute; inset: 0; }';
        const holder = this.ownerDocument.createElement('div');
        holder.className = 'holder';
        root.append(style, holder);
        const scale = this.getAttribute('scale');
        const mouse = this.getAttribute('mouse-mode');
        const v = new SpiceViewer(holder, {
          scale: isScaleMode(scale) ? scale : 'fit',
          mouseMode: mouse === 'server' ? 'server' : 'client',
          reconnect: /^(off|false|0|no)$/i.test(this.getAttribute('reconnect') ?? '') ? false : {},
          monitor: monitorAttribute(this.getAttribute('monitor')),
        });
        v.on('status', (s) => this.fire('spice-status', s));
        v.on('error', (e) => this.fire('spice-error', e));
        v.on('resize', (r) => this.fire('spice-resize', r));
        v.on('monitors', (m) => this.fire('spice-monitors', m));
        this.viewerNow = v;
      }
      if (this.getAttribute('url')) void this.connect().catch(() => undefined);
    }

    disconnectedCallback(): void {
      // Moving the element around the page calls this too: only leave if it is really gone.
      queueMicrotask(() => { if (!this.isConnected) this.viewerNow?.disconnect(); });
    }

    attributeChangedCallback(name: string, old: string | null, value: string | null): void {
      const v = this.viewerNow;
      if (!v || old === value) return;
      if (name === 'scale' && isScaleMode(value)) v.setScale(value);
      else if (name === 'monitor') v.setMonitor(monitorAttribute(value));
      else if ((name === 'url' || name === 'password') && this.isConnected && this.getAttribute('url')) {
        void this.connect().catch(() => undefined);
      }
    }

    connect(): Promise<void> {
      const url = this.getAttribute('url');
      if (!this.viewerNow || !url) return Promise.resolve();
      return this.viewerNow.connect({ url: new URL(url, this.ownerDocument.baseURI).toString(), password: this.getAttribute('password') ?? undefined });
    }

    disconnect(): void {
      this.viewerNow?.disconnect();
    }

    sendCombo(combo: string): void {
      this.viewerNow?.sendCombo(combo);
    }

    private fire(type: string, detail: unknown): void {
      this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
    }
  }
  registry.define(ELEMENT_NAME, Element);
  return Element;
}
