/**
 * Timing helpers shared by the benches.
 */

/** Runs `fn` once to warm up, then repeatedly for about `seconds`; returns seconds per run. */
export function timeIt(fn: () => void, seconds = 1): number {
  fn();
  let runs = 0;
  const t0 = process.hrtime.bigint();
  let elapsed = 0;
  do {
    fn();
    runs++;
    elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  } while (elapsed < seconds);
  return elapsed / runs;
}
