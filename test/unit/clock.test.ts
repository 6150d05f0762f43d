/** The client's monotonic clock (src/client/clock.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { monotonicMs } from '../../src/client/clock.js';

test('monotonicMs counts milliseconds and never goes back', async () => {
  const a = monotonicMs();
  let last = a;
  for (let i = 0; i < 1000; i++) {
    const t = monotonicMs();
    assert.ok(Number.isFinite(t) && t >= last, `${t} after ${last}`);
    last = t;
  }
  const d0 = Date.now();
  await sleep(30);
  const elapsed = monotonicMs() - a;
  const wall = Date.now() - d0;
  // Milliseconds, not seconds or nanoseconds: within a few ms of the wall clock's count.
  assert.ok(elapsed >= 25 && elapsed <= wall + 50, `elapsed ${elapsed} ms, wall ${wall} ms`);
});
