/**
 * bin/spice-ts ends the process as soon as a read-only command returns (it does not wait
 * for the servers' side of the close); commands that send what the server must receive
 * (keys, clicks, clipboard) and the long-running ones wait as before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endsAtOnce } from '../../src/cli/main.js';

test('screenshot and probe end at once', () => {
  assert.equal(endsAtOnce('screenshot'), true);
  assert.equal(endsAtOnce('probe'), true);
});

test('commands that send input or clipboard, servers and gateways do not', () => {
  for (const cmd of ['type', 'send-keys', 'mouse', 'clipboard', 'serve', 'gateway']) {
    assert.equal(endsAtOnce(cmd), false, cmd);
  }
});

test('unknown commands, no command and inherited names do not', () => {
  for (const cmd of [undefined, '', '--help', 'nope', '__proto__', 'constructor', 'toString']) {
    assert.equal(endsAtOnce(cmd), false, String(cmd));
  }
});
