/**
 * Runs a channel's message handlers one after the other. A handler may
 * return a Promise (an image decoded asynchronously, a GLZ image waiting for
 * another channel, WAIT_FOR_CHANNELS); later messages wait for it, so draw
 * order is kept. While nothing is asynchronous, handlers run synchronously
 * in `push`.
 */
export class SerialQueue<T> {
  private readonly items: T[] = [];
  private head = 0;
  private busy = false;
  private stopped = false;
  /** Items handled so far. */
  done = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly handle: (item: T) => void | Promise<void>,
    private readonly fail: (error: unknown, item: T) => void,
  ) {}

  push(item: T): void {
    if (this.stopped) return;
    this.items.push(item);
    if (!this.busy) this.drain();
  }

  /** Drops everything pending; later pushes are ignored. */
  stop(): void {
    this.stopped = true;
    this.items.length = 0;
    this.head = 0;
    this.wakeIdle();
  }

  get pending(): number {
    return this.items.length - this.head;
  }

  /** Whether every item pushed so far has been handled. */
  get isIdle(): boolean {
    return !this.busy && this.pending === 0;
  }

  /** Resolves when every item pushed so far has been handled. */
  idle(): Promise<void> {
    if (!this.busy && this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private drain(): void {
    this.busy = true;
    while (this.head < this.items.length && !this.stopped) {
      const item = this.items[this.head++]!;
      let r: void | Promise<void>;
      try {
        r = this.handle(item);
      } catch (e) {
        this.fail(e, item);
        this.done++;
        continue;
      }
      if (r && typeof (r as Promise<void>).then === 'function') {
        (r as Promise<void>).then(
          () => { this.done++; this.drain(); },
          (e) => { this.fail(e, item); this.done++; this.drain(); },
        );
        return;
      }
      this.done++;
    }
    if (this.head > 1024 && this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    }
    this.busy = false;
    this.wakeIdle();
  }

  private wakeIdle(): void {
    if (this.busy && !this.stopped) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of w) f();
  }
}
