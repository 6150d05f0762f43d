/**
 * The guest agent's stream, either way (a client reads the agent's, a server that plays
 * the agent reads the viewer's): VDAgentMessages (a 20-byte header, then the body)
 * reassembled from MAIN agent_data pieces cut anywhere, even inside a header. Each body
 * is allocated once at its announced size and filled as pieces come, so a message of
 * n pieces costs O(size), whatever n. Browser-safe (no Node APIs).
 *
 * A message over its limit is not kept: the caller hears of it (`skipped`, which may
 * throw to end the stream) and, if it returns, the message's bytes are skipped and the
 * next message is read. A header with another protocol number throws INCONSISTENT.
 */
import { ErrorCode, SpiceError } from './errors.js';
import { decode } from './wire/codec.js';
import { AGENT_HEADER_SIZE, AGENT_PROTOCOL, AgentHeader } from './schema/agent.js';

export interface AgentStreamHandlers {
  /** The largest body accepted for a message of `type`, in bytes. */
  limitOf(type: number): number;
  /** A whole message (the body is the reader's to give away: a new array each time). */
  message(type: number, body: Uint8Array): void;
  /** A message of `size` bytes is over `limit`: it is skipped when this returns. */
  skipped(type: number, size: number, limit: number): void;
}

export class AgentStreamReader {
  /** Header bytes so far, the message being filled, and the bytes of a skipped one still to come. */
  private readonly head = new Uint8Array(AGENT_HEADER_SIZE);
  private headLen = 0;
  private cur: { type: number; body: Uint8Array; len: number } | undefined;
  private skip = 0;

  constructor(private readonly on: AgentStreamHandlers) {}

  /** One agent_data piece. Throws INCONSISTENT on a header of another protocol. */
  push(data: Uint8Array): void {
    let at = 0;
    while (at < data.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, data.length - at);
        this.skip -= n;
        at += n;
        continue;
      }
      if (this.headLen < AGENT_HEADER_SIZE) {
        const n = Math.min(AGENT_HEADER_SIZE - this.headLen, data.length - at);
        this.head.set(data.subarray(at, at + n), this.headLen);
        this.headLen += n;
        at += n;
        if (this.headLen === AGENT_HEADER_SIZE) this.begin();
        continue;
      }
      const m = this.cur!;
      const n = Math.min(m.body.length - m.len, data.length - at);
      m.body.set(data.subarray(at, at + n), m.len);
      m.len += n;
      at += n;
      if (m.len === m.body.length) this.end();
    }
  }

  /** Forgets a message begun (the agent went away, or its data was bad). */
  reset(): void {
    this.headLen = this.skip = 0;
    this.cur = undefined;
  }

  private begin(): void {
    const h = decode(AgentHeader, this.head);
    if (h.protocol !== AGENT_PROTOCOL) {
      throw new SpiceError(ErrorCode.INCONSISTENT, `agent message with protocol ${h.protocol} (expected ${AGENT_PROTOCOL})`);
    }
    const limit = this.on.limitOf(h.type);
    if (h.size > limit) {
      this.headLen = 0;
      this.skip = h.size;
      this.on.skipped(h.type, h.size, limit);
      return;
    }
    this.cur = { type: h.type, body: new Uint8Array(h.size), len: 0 };
    if (h.size === 0) this.end();
  }

  private end(): void {
    const { type, body } = this.cur!;
    this.reset();
    this.on.message(type, body);
  }
}
