/**
 * Clipboard text between the page and the guest agent, for SpiceViewer: the guest's text
 * goes onto the browser's clipboard (navigator.clipboard.writeText) when the page may write
 * it; the browser's text goes to the guest on paste events into the viewer and, when the
 * page may read the clipboard without asking, when the viewer gets the focus. Text both sides
 * already agree on is not sent again.
 */
import type { SpiceSession } from '../client/session.js';
import { ErrorCode, toSpiceError, type SpiceError } from '../protocol/errors.js';

export interface ClipboardHost {
  /** The session while connected. */
  session(): SpiceSession | undefined;
  /** The page's window (for navigator.clipboard and permissions). */
  view(): (Window & typeof globalThis) | null;
  /** Text the guest copied; `copied`: it is on the browser's clipboard too. */
  copied(text: string, copied: boolean): void;
  error(e: SpiceError): void;
}

export class ClipboardShare {
  /** The clipboard text both sides last agreed on (not sent again). */
  private agreed: string | undefined;
  /** The browser's clipboard text when last read or written: only a change of it is sent on focus. */
  private browserText: string | undefined;

  constructor(private readonly host: ClipboardHost, readonly enabled: boolean) {}

  /** Offers `text` as the guest's clipboard (it goes when the guest pastes). */
  set(text: string): void {
    if (text === this.agreed) return;
    const s = this.host.session();
    if (!s) return;
    try {
      s.setClipboard(text);
      this.agreed = text;
    } catch (e) {
      this.host.error(toSpiceError(e, ErrorCode.BAD_ARGUMENT));
    }
  }

  /**
   * Sends the browser's clipboard text to the guest. With `quiet`, only when the page may
   * read it without asking. Resolves false when the browser does not let the page read it.
   */
  async readBrowser(quiet: boolean): Promise<boolean> {
    const view = this.host.view();
    const clip = view?.navigator.clipboard;
    if (!clip?.readText || !this.host.session()?.main.agent?.state.clipboard) return false;
    if (quiet) {
      // Reading on focus must not make the browser ask each time.
      const granted = await view!.navigator.permissions?.query({ name: 'clipboard-read' as PermissionName })
        .then((p) => p.state === 'granted', () => false);
      if (!granted) return false;
    }
    try {
      const text = await clip.readText();
      const changed = text !== this.browserText;
      this.browserText = text;
      if (text && (changed || !quiet)) this.set(text);
      return true;
    } catch {
      return false;
    }
  }

  /** Text the guest copied: onto the browser's clipboard when allowed, and reported. */
  fromGuest(text: string): void {
    this.agreed = text;
    const clip = this.host.view()?.navigator.clipboard;
    if (!this.enabled || !clip?.writeText) { this.host.copied(text, false); return; }
    clip.writeText(text).then(
      () => { this.browserText = text; this.host.copied(text, true); },
      () => this.host.copied(text, false),
    );
  }

  /** The session ended: a new one starts with nothing agreed. */
  sessionClosed(): void {
    this.agreed = undefined;
  }

  /** Listens for focus and paste on the viewer's element; returns the function removing them. */
  attach(target: HTMLElement): () => void {
    if (!this.enabled) return () => undefined;
    const onFocus = () => { void this.readBrowser(true); };
    // Pastes into the viewer only (not the page's password field or other inputs).
    const onPaste = (e: ClipboardEvent) => {
      const text = e.clipboardData?.getData('text/plain');
      if (text) this.set(text);
    };
    target.addEventListener('focus', onFocus);
    target.addEventListener('paste', onPaste);
    return () => { target.removeEventListener('focus', onFocus); target.removeEventListener('paste', onPaste); };
  }
}
