/**
 * A monotonic clock in milliseconds for the client's timing (the server's
 * multimedia clock, stream frame counts).
 *
 * Why not `performance.now()` everywhere: in Node the global `performance` is
 * built on first use, which loads perf_hooks and eight internal modules
 * (~1 ms, a visible part of a short command such as `spice-ts screenshot`),
 * while `process.hrtime` is loaded with Node itself. Browsers (and any runtime
 * without `process.hrtime`) use `performance.now()`, else `Date.now()`.
 */
type HrTime = () => [number, number];

const hrtime = (globalThis as { process?: { hrtime?: HrTime } }).process?.hrtime;

export const monotonicMs: () => number = typeof hrtime === 'function'
  ? () => { const [s, ns] = hrtime(); return s * 1e3 + ns / 1e6; }
  : typeof globalThis.performance?.now === 'function'
    ? () => globalThis.performance.now()
    : () => Date.now();
