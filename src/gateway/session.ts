/**
 * One browser session through the gateway: the channels (WebSockets) that belong together
 * (main, and the channels that link with main's session id), their byte counts and the
 * record logged when the last one ends. When one channel fails, the others are closed.
 */
import type { GatewayTarget } from './tokens.js';

/** What the gateway logs (and emits) when a session ends. */
export interface SessionRecord {
  /** The browser's address. */
  address: string;
  /** The token used ('' with a fixed --target). */
  token: string;
  /** Where it led (no password). */
  target: string;
  /** MAIN_INIT's session id, when main linked through the gateway. */
  sessionId?: number;
  /** Channels (WebSocket connections) the session had. */
  channels: number;
  startedAt: number;
  durationMs: number;
  /** Bytes from the browser to the server, and back. */
  bytesUp: number;
  bytesDown: number;
  /** Why it ended, in words. */
  reason: string;
  /** Whether it ended because something failed (rather than a side leaving). */
  failed: boolean;
}

/** What a session needs to close its channels. */
export interface SessionMember {
  readonly isMain: boolean;
  /** The channel finished its link stage. */
  readonly linked: boolean;
  up: number;
  down: number;
  /** Closes this channel towards both sides: 1000 when clean, else the WebSocket code. */
  close(code: number, reason: string): void;
}

export class GatewaySession {
  readonly members = new Set<SessionMember>();
  readonly startedAt = Date.now();
  lastActivity = Date.now();
  sessionId?: number;
  private count = 0;
  private up = 0;
  private down = 0;
  private endReason?: { reason: string; failed: boolean };
  private closing = false;
  finished = false;

  constructor(
    readonly address: string,
    readonly token: string,
    readonly entry: GatewayTarget,
    readonly targetName: string,
    private readonly onFinish: (s: GatewaySession, r: SessionRecord) => void,
  ) {}

  add(m: SessionMember): void {
    this.members.add(m);
    this.count++;
  }

  activity(): void {
    this.lastActivity = Date.now();
  }

  /**
   * A member ended. A linked member failing, or main ending at all, ends the session: the
   * others are closed (1011 after a failure, 1000 after a clean end of main).
   */
  memberEnded(m: SessionMember, reason: string, failed: boolean): void {
    if (!this.members.delete(m)) return;
    this.up += m.up;
    this.down += m.down;
    const ends = m.linked && (failed || m.isMain);
    if (ends || this.members.size === 0) this.endReason ??= { reason, failed };
    if (ends) this.closeAll(failed ? 1011 : 1000, failed ? `another channel of this session failed: ${reason}` : 'the session ended');
    if (this.members.size === 0) this.finish();
  }

  /** Closes every channel (idle timeout, gateway shutdown, a failed channel). */
  closeAll(code: number, reason: string, why?: { reason: string; failed: boolean }): void {
    if (why) this.endReason ??= why;
    if (this.closing) return;
    this.closing = true;
    for (const m of [...this.members]) m.close(code, reason);
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    const end = this.endReason ?? { reason: 'the session ended', failed: false };
    this.onFinish(this, {
      address: this.address, token: this.token, target: this.targetName, sessionId: this.sessionId,
      channels: this.count, startedAt: this.startedAt, durationMs: Date.now() - this.startedAt,
      bytesUp: this.up, bytesDown: this.down, reason: end.reason, failed: end.failed,
    });
  }
}

/** One log line for a finished session: who, which token and target, how long, bytes each way, why. */
export function formatSessionRecord(r: SessionRecord): string {
  const id = r.sessionId !== undefined ? ` session=0x${r.sessionId.toString(16).padStart(8, '0')}` : '';
  return `session end: client=${r.address} token=${r.token === '' ? '-' : r.token} target=${r.target}${id} `
    + `channels=${r.channels} duration=${(r.durationMs / 1000).toFixed(1)}s up=${r.bytesUp} down=${r.bytesDown} `
    + `${r.failed ? 'failed' : 'reason'}="${r.reason.replace(/"/g, "'")}"`;
}
