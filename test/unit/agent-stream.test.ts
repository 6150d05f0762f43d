/**
 * AgentStreamReader (src/protocol/agent-stream.ts): the agent's messages come out whole and
 * in order whatever the cut of the agent_data pieces (every single split point, and every
 * piece one byte), a message over its limit is skipped with the stream kept in step, and
 * a header of another protocol throws a coded error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentStreamReader } from '../../src/protocol/agent-stream.js';
import { encode } from '../../src/protocol/wire/codec.js';
import { AGENT_PROTOCOL, AgentHeader } from '../../src/protocol/schema/agent.js';
import { ErrorCode, SpiceError } from '../../src/protocol/errors.js';

function message(type: number, body: Uint8Array, protocol = AGENT_PROTOCOL): Uint8Array {
  const h = encode(AgentHeader, { protocol, type, opaque: 0n, size: body.length });
  const out = new Uint8Array(h.length + body.length);
  out.set(h);
  out.set(body, h.length);
  return out;
}

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

function reader(limit = 100) {
  const got: { type: number; body: number[] }[] = [];
  const skipped: [number, number, number][] = [];
  const r = new AgentStreamReader({
    limitOf: (type) => (type === 9 ? limit * 10 : limit),
    message: (type, body) => got.push({ type, body: [...body] }),
    skipped: (type, size, lim) => skipped.push([type, size, lim]),
  });
  return { r, got, skipped };
}

// three messages, an empty one and one over the limit (skipped) among them
const parts = [message(4, bytes(30, 1)), message(7, new Uint8Array(0)), message(5, bytes(101, 2)), message(9, bytes(250, 3))];
const stream = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
parts.reduce((at, p) => (stream.set(p, at), at + p.length), 0);
const want = [{ type: 4, body: [...bytes(30, 1)] }, { type: 7, body: [] }, { type: 9, body: [...bytes(250, 3)] }];

test('messages come out whole and in order at every split of the stream into two pieces', () => {
  for (let cut = 0; cut <= stream.length; cut++) {
    const { r, got, skipped } = reader();
    r.push(stream.subarray(0, cut));
    r.push(stream.subarray(cut));
    assert.deepEqual(got, want, `cut at ${cut}`);
    assert.deepEqual(skipped, [[5, 101, 100]], `cut at ${cut}: the long one skipped`);
  }
});

test('messages come out whole in one-byte pieces, and in one piece', () => {
  const one = reader();
  for (let i = 0; i < stream.length; i++) one.r.push(stream.subarray(i, i + 1));
  assert.deepEqual(one.got, want);
  const whole = reader();
  whole.r.push(stream);
  assert.deepEqual(whole.got, want);
  assert.equal(whole.skipped.length, 1);
});

test('a header of another protocol throws INCONSISTENT; after reset the stream reads again', () => {
  const { r, got } = reader();
  const bad = message(4, bytes(3, 0), AGENT_PROTOCOL + 1);
  assert.throws(() => r.push(bad), (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.INCONSISTENT && /protocol/.test(e.message));
  r.reset();
  r.push(message(4, bytes(3, 0)));
  assert.deepEqual(got, [{ type: 4, body: [...bytes(3, 0)] }]);
});

test('reset forgets a message begun, header or body', () => {
  const { r, got } = reader();
  const m = message(4, bytes(30, 5));
  r.push(m.subarray(0, 10)); // inside the header
  r.reset();
  r.push(m.subarray(0, 25)); // inside the body
  r.reset();
  r.push(m);
  assert.deepEqual(got, [{ type: 4, body: [...bytes(30, 5)] }]);
});
