/**
 * Real sessions: every display connection of the golden captures replayed
 * into a DisplayCanvas with the project's decoders. Every message must apply
 * without error and leave a picture (the captures differ in timing, so their
 * final screens are not compared with each other).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { goldenFiles, loadGolden } from '../../helpers/golden.js';
import { loadDecoders } from '../../helpers/canvas-decoders.js';
import { replayDisplay } from '../../helpers/canvas-replay.js';

test('golden display sessions replay without error', async (t) => {
  const { decoders, missing } = await loadDecoders();
  const pictures = new Map<string, string>();
  for (const file of goldenFiles()) {
    const g = loadGolden(file);
    for (const conn of g.connections.filter((c) => c.def.name === 'display' && c.server.length > 0)) {
      await t.test(`${g.name} display ${conn.channelId}`, async (st) => {
        let stats;
        try {
          stats = await replayDisplay(conn.def, conn.server, decoders);
        } catch (e) {
          if (e instanceof Error && /no decoder/.test(e.message) && Object.keys(missing).length) {
            st.skip(`${e.message}; not loadable: ${JSON.stringify(missing)}`);
            return;
          }
          throw e;
        }
        const p = stats.canvas.primary;
        assert.ok(p, 'a primary surface was created');
        assert.ok(stats.draws > 0, 'the session drew something');
        const out = p.opaqueCopy();
        if (stats.frames > 0) {
          // The video ends with its area repainted: check the frames themselves drew a picture.
          assert.ok(stats.frameColours > 1, 'the last video frame is not a single colour');
        } else {
          assert.ok(new Set(out).size > 1, 'the final screen is not a single colour');
        }
        pictures.set(g.name, createHash('sha256').update(out).digest('hex'));
      });
    }
  }
  assert.ok(pictures.size > 0, 'no display session was replayed');
});
