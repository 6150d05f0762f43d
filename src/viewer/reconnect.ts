/**
 * Automatic reconnection for the web viewer, without DOM: which failures are worth another
 * try, how long to wait before each (exponential backoff with jitter), when to start again
 * from the shortest delay, and the words for a status line. SpiceViewer drives it; tests use
 * it with fake timers.
 *
 * A session that ends on its own (server restarted, network lost, gateway restarted) is
 * tried again; a refusal that would only repeat (wrong password, TLS-only server, unknown
 * gateway token, not a SPICE server) is not: looping on a wrong password would also get the
 * address locked out by servers that count failures.
 */
import { LinkErr } from '../protocol/enums/index.js';
import { ErrorCode, type SpiceError } from '../protocol/errors.js';
import { WebSocketClosed } from './ws-transport.js';

export interface ReconnectOptions {
  /** Delay before the first attempt, ms. Default 500. */
  initialDelayMs?: number;
  /** Longest delay between attempts, ms (each doubles up to this). Default 15000. */
  maxDelayMs?: number;
  /** Attempts after a loss before giving up. Default 20; Infinity: never give up. */
  maxAttempts?: number;
  /**
   * A session must stay up this long for the next loss to start again from the shortest
   * delay. Default 30000: longer than the longest delay, so two viewers that keep taking a
   * single-client server from each other back off instead of fighting at full speed.
   */
  stableMs?: number;
  /** Each delay is shortened by a random part of up to this fraction (0..1). Default 0.2. */
  jitter?: number;
}

export type ReconnectPolicy = Required<ReconnectOptions>;

export const RECONNECT_DEFAULTS: ReconnectPolicy = {
  initialDelayMs: 500,
  maxDelayMs: 15_000,
  maxAttempts: 20,
  stableMs: 30_000,
  jitter: 0.2,
};

/** The policy for the viewer's `reconnect` option; undefined when reconnecting is off. */
export function reconnectPolicy(opt: false | ReconnectOptions | undefined): ReconnectPolicy | undefined {
  if (opt === false) return undefined;
  const p = { ...RECONNECT_DEFAULTS };
  for (const k of Object.keys(p) as (keyof ReconnectPolicy)[]) {
    const v = opt?.[k];
    if (v !== undefined && !(typeof v === 'number' && v >= 0 && !Number.isNaN(v))) {
      throw new RangeError(`reconnect.${k} must be a number >= 0 (got ${String(v)})`);
    }
    if (v !== undefined) p[k] = v;
  }
  if (p.jitter > 1) throw new RangeError(`reconnect.jitter must be between 0 and 1 (got ${p.jitter})`);
  if (p.maxDelayMs < p.initialDelayMs) p.maxDelayMs = p.initialDelayMs;
  return p;
}

/**
 * The wait before attempt `attempt` (1-based): initialDelayMs doubled per attempt, at most
 * maxDelayMs, less a random part of up to `jitter` of it (so viewers that lost the same
 * server do not all come back at the same instant).
 */
export function retryDelay(policy: ReconnectPolicy, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(base * (1 - policy.jitter * r));
}

/** Link refusals that depend on how we connect, not on the moment. */
const LASTING_LINK_ERRORS: ReadonlySet<number> = new Set([
  LinkErr.PERMISSION_DENIED, LinkErr.NEED_SECURED, LinkErr.NEED_UNSECURED,
  LinkErr.VERSION_MISMATCH, LinkErr.INVALID_MAGIC,
]);

/** WebSocket close codes meaning "refused" (1008: a gateway's unknown token or limit) or "cannot ever work". */
const LASTING_CLOSE_CODES: ReadonlySet<number> = new Set([1002, 1003, 1008, 1009, 1015]);

/**
 * True when trying again would fail the same way: a wrong or missing password, a refusal
 * of the link or of the WebSocket by policy, a TLS failure, something that is not a SPICE
 * server, a bad address. A lost connection, an unreachable server, a timeout or a clean
 * end of the session are worth another try.
 */
export function isLastingError(err: SpiceError | undefined): boolean {
  if (!err) return false;
  switch (err.code) {
    case ErrorCode.AUTH_FAILED:
    case ErrorCode.AUTH_UNSUPPORTED:
    case ErrorCode.SASL_UNSUPPORTED:
    case ErrorCode.PASSWORD_TOO_LONG:
    case ErrorCode.VERSION_MISMATCH:
    case ErrorCode.BAD_MAGIC:
    case ErrorCode.BAD_TARGET:
    case ErrorCode.BAD_ARGUMENT:
    case ErrorCode.UNSUPPORTED:
    case ErrorCode.TLS:
      return true;
    case ErrorCode.LINK_REFUSED:
      return err.linkError === undefined || LASTING_LINK_ERRORS.has(err.linkError);
    case ErrorCode.CLOSED:
    case ErrorCode.CONNECT: {
      const c = err.cause;
      return c instanceof WebSocketClosed && LASTING_CLOSE_CODES.has(c.closeCode);
    }
    default:
      return false;
  }
}

/** '0.5 seconds', '1 second', '4 seconds', '15 seconds'. */
export function delayWords(ms: number): string {
  const s = ms / 1000;
  const shown = s < 10 ? Math.round(s * 10) / 10 : Math.round(s);
  return `${shown} ${shown === 1 ? 'second' : 'seconds'}`;
}

/** '(attempt 3 of 20)', or '(attempt 3)' with no limit. */
export function attemptWords(attempt: number, max: number): string {
  return Number.isFinite(max) ? `(attempt ${attempt} of ${max})` : `(attempt ${attempt})`;
}

/** What to do after a loss: wait and try again, or stop (and why). */
export type RetryPlan =
  | { retry: true; attempt: number; delayMs: number }
  | { retry: false; why: 'lasting' | 'exhausted' };

export interface ReconnectClock {
  setTimeout(f: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
  random(): number;
}

const realClock: ReconnectClock = {
  setTimeout: (f, ms) => setTimeout(f, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
  random: () => Math.random(),
};

/**
 * Counts attempts and runs the timer. `lost()` after a session ended or an attempt failed
 * plans the next attempt (and later calls `attempt(n)`), `connected()` when a session is up.
 */
export class Reconnector {
  private attempts = 0;
  private upSince: number | undefined;
  private timer: unknown;
  private due: number | undefined;

  constructor(readonly policy: ReconnectPolicy, private readonly attempt: (n: number) => void,
    private readonly clock: ReconnectClock = realClock) {}

  /** Attempts made since the last stable session. */
  get attemptCount(): number {
    return this.attempts;
  }

  /** An attempt is waiting for its timer. */
  get waiting(): boolean {
    return this.due !== undefined;
  }

  /** A session came up (the attempt count starts over once it has stayed up stableMs). */
  connected(): void {
    this.upSince = this.clock.now();
  }

  /** The session ended or an attempt failed with `error` (none: a clean end). */
  lost(error: SpiceError | undefined): RetryPlan {
    this.cancel();
    if (this.upSince !== undefined && this.clock.now() - this.upSince >= this.policy.stableMs) this.attempts = 0;
    this.upSince = undefined;
    if (isLastingError(error)) return { retry: false, why: 'lasting' };
    if (this.attempts >= this.policy.maxAttempts) return { retry: false, why: 'exhausted' };
    const n = ++this.attempts;
    const delayMs = retryDelay(this.policy, n, () => this.clock.random());
    this.due = n;
    this.timer = this.clock.setTimeout(() => this.fire(), delayMs);
    return { retry: true, attempt: n, delayMs };
  }

  /** Tries at once if an attempt is waiting (the browser came back online, the user asked). */
  now(): boolean {
    if (this.due === undefined) return false;
    this.clock.clearTimeout(this.timer);
    this.fire();
    return true;
  }

  /** Stops a waiting attempt. */
  cancel(): void {
    if (this.due === undefined) return;
    this.clock.clearTimeout(this.timer);
    this.due = undefined;
    this.timer = undefined;
  }

  /** Forgets everything (a new connect() by the user). */
  reset(): void {
    this.cancel();
    this.attempts = 0;
    this.upSince = undefined;
  }

  private fire(): void {
    const n = this.due;
    this.due = undefined;
    this.timer = undefined;
    if (n !== undefined) this.attempt(n);
  }
}
