/**
 * The package's entry points resolve (by the package's own name, as users
 * import them) and expose the main API.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';

test("'spice-ts', 'spice-ts/node' and 'spice-ts/protocol' load and export the main API", async () => {
  const main = await import('spice-ts' as string) as Record<string, unknown>;
  for (const name of ['SpiceSession', 'SpiceChannel', 'decodeMessage', 'parseSpiceUri', 'DisplayCanvas', 'defaultDecoders', 'probe', 'SpiceError']) {
    assert.equal(typeof main[name], 'function', `spice-ts exports ${name}`);
  }
  const node = await import('spice-ts/node' as string) as Record<string, unknown>;
  for (const name of ['connect', 'encodePng', 'nodeTicketCrypto']) assert.ok(node[name], `spice-ts/node exports ${name}`);
  const protocol = await import('spice-ts/protocol' as string) as Record<string, unknown>;
  assert.equal(typeof protocol.encodeMessage, 'function');
  assert.ok(protocol.channels);
});
