/**
 * The viewer's session lifecycle: connecting (the user's connect() and reconnections after a
 * loss, with backoff), the status it reports in words, and letting go of a session. What the
 * viewer does with a session (drawing, input, sound...) it wires up in `attach`.
 */
import { SpiceSession, type SessionOptions } from '../client/session.js';
import { ErrorCode, toSpiceError, type SpiceError } from '../protocol/errors.js';
import { describeError, type ViewerStatus } from './status.js';
import { attemptWords, delayWords, reconnectPolicy, Reconnector, type ReconnectOptions } from './reconnect.js';
import type { ConnectOptions } from './viewer-options.js';

export interface ConnectionHost {
  /** The session options for a target (transport, decoders, sound...). */
  sessionOptions(target: ConnectOptions): Promise<SessionOptions>;
  /** A session is up: listen to it; returns what stops listening. */
  attach(session: SpiceSession): (() => void)[];
  /** The session is now 'connected' (status reported). */
  connected(session: SpiceSession): void;
  /** The session is being let go of (release held keys, forget the cursor...). */
  closing(session: SpiceSession): void;
  status(s: ViewerStatus): void;
  error(e: SpiceError): void;
}

export class ViewerConnection {
  private sessionNow?: SpiceSession;
  private statusNow: ViewerStatus = { state: 'disconnected', reason: 'Not connected.' };
  private generation = 0;
  private offSession: (() => void)[] = [];
  /** Present unless reconnecting is off. */
  private readonly reconnector?: Reconnector;
  /** Where and how the last connect() went: what a reconnection uses again. */
  private target?: ConnectOptions;

  constructor(private readonly host: ConnectionHost, reconnect: false | ReconnectOptions | undefined) {
    const policy = reconnectPolicy(reconnect);
    if (policy) this.reconnector = new Reconnector(policy, (n) => this.attempt(n));
  }

  get session(): SpiceSession | undefined {
    return this.sessionNow;
  }

  get status(): ViewerStatus {
    return this.statusNow;
  }

  async connect(opts: ConnectOptions): Promise<void> {
    this.reconnector?.reset();
    this.target = { ...opts };
    await this.open(0);
  }

  /** While waiting to reconnect: tries at once. False when no attempt is waiting. */
  reconnectNow(): boolean {
    return this.reconnector?.now() ?? false;
  }

  disconnect(reason: string): void {
    this.generation++;
    this.reconnector?.reset();
    const had = this.sessionNow !== undefined || this.statusNow.state !== 'disconnected';
    this.closeSession();
    if (had) this.setStatus({ state: 'disconnected', reason });
  }

  setStatus(s: ViewerStatus): void {
    this.statusNow = s;
    this.host.status(s);
  }

  /** Opens a session to the last target: the user's connect() (attempt 0) or a reconnection. */
  private async open(attempt: number): Promise<void> {
    const opts = this.target!;
    this.closeSession();
    const gen = ++this.generation;
    if (attempt === 0) this.setStatus({ state: 'connecting', reason: `Connecting to ${opts.url}…` });
    else {
      const of = attemptWords(attempt, this.reconnector!.policy.maxAttempts);
      this.setStatus({ state: 'reconnecting', reason: `Reconnecting to ${opts.url} ${of}…`, attempt });
    }
    let session: SpiceSession;
    try {
      session = await SpiceSession.connect(await this.host.sessionOptions(opts));
    } catch (e) {
      const err = toSpiceError(e, ErrorCode.CONNECT);
      if (gen === this.generation) {
        const words = describeError(err, { url: opts.url, passwordGiven: !!opts.password });
        this.host.error(err);
        if (attempt === 0) this.setStatus({ state: 'disconnected', reason: words.text, error: err, needsPassword: words.needsPassword });
        else this.lost(words.text, err, words.needsPassword);
      }
      // Only the caller of connect() hears of the failure; reconnections report it by status.
      if (attempt === 0) throw err;
      return;
    }
    if (gen !== this.generation) { session.close(); return; }
    this.attachSession(session, opts.url);
  }

  private attempt(n: number): void {
    if (this.target) void this.open(n);
  }

  /**
   * The session ended by itself, or a reconnection failed, for the reason `words`: wait and
   * try again, or stay disconnected when that would not help (or reconnecting is off).
   */
  private lost(words: string, error: SpiceError | undefined, needsPassword = false): void {
    const plan = this.reconnector?.lost(error);
    if (plan && !/[.!?…]$/.test(words)) words += '.';
    if (plan?.retry) {
      const of = attemptWords(plan.attempt, this.reconnector!.policy.maxAttempts);
      this.setStatus({
        state: 'reconnecting', reason: `${words} Reconnecting in ${delayWords(plan.delayMs)} ${of}…`,
        error, attempt: plan.attempt, delayMs: plan.delayMs,
      });
      return;
    }
    const reason = plan?.why === 'exhausted'
      ? `${words} Gave up after ${this.reconnector!.attemptCount} attempts to reconnect.`
      : words;
    this.setStatus({ state: 'disconnected', reason, error, needsPassword });
  }

  private attachSession(s: SpiceSession, url: string): void {
    this.sessionNow = s;
    this.offSession.push(
      ...this.host.attach(s),
      s.on('disconnected', ({ error }) => {
        if (this.sessionNow !== s) return;
        this.closeSession();
        if (error) this.host.error(error);
        const words = error ? describeError(error, { url, passwordGiven: !!this.target?.password }).text : 'The server closed the connection.';
        this.lost(words, error);
      }),
    );
    this.setStatus({ state: 'connected', reason: `Connected to ${s.serverName ? `${s.serverName} (${url})` : url}.` });
    this.reconnector?.connected();
    this.host.connected(s);
  }

  private closeSession(): void {
    const s = this.sessionNow;
    for (const off of this.offSession.splice(0)) off();
    if (!s) return;
    this.host.closing(s);
    this.sessionNow = undefined;
    void s.disconnect().catch(() => undefined);
  }
}
