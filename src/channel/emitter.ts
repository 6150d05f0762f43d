/**
 * A minimal typed event emitter that runs in Node and browsers. A listener
 * that throws never breaks the emitter or the protocol state: the exception
 * is handed to `onListenerError` (default: console.error).
 */
export type Listener<T> = (value: T) => void;

export class Emitter<Events extends { [K in keyof Events]: unknown }> {
  private listeners: { [K in keyof Events]?: Listener<Events[K]>[] } = {};
  onListenerError: (err: unknown, event: string) => void = (err, event) => {
    console.error(`spice-ts: a '${event}' listener threw:`, err);
  };

  on<K extends keyof Events>(event: K, fn: Listener<Events[K]>): () => void {
    (this.listeners[event] ??= []).push(fn);
    return () => this.off(event, fn);
  }

  once<K extends keyof Events>(event: K, fn: Listener<Events[K]>): () => void {
    const off = this.on(event, (v) => { off(); fn(v); });
    return off;
  }

  off<K extends keyof Events>(event: K, fn: Listener<Events[K]>): void {
    const l = this.listeners[event];
    if (l) this.listeners[event] = l.filter((x) => x !== fn);
  }

  protected emit<K extends keyof Events>(event: K, value: Events[K]): void {
    const l = this.listeners[event];
    if (!l) return;
    for (const fn of [...l]) {
      try {
        fn(value);
      } catch (e) {
        this.onListenerError(e, String(event));
      }
    }
  }

  listenerCount<K extends keyof Events>(event: K): number {
    return this.listeners[event]?.length ?? 0;
  }
}
