/**
 * Message bodies <-> typed messages, for any channel and direction.
 */
import { ErrorCode, SpiceError, toSpiceError } from './errors.js';
import { ByteWriter } from './wire/bytes.js';
import { decode, encodeInto, type CodecLimits } from './wire/codec.js';
import type { ChannelDef } from './schema/channels.js';
import type { MessageTable } from './schema/define.js';

export type Direction = 'server' | 'client';

/** A decoded message of any channel: `name` from the schema, `body` its fields. */
export interface AnyMessage {
  name: string;
  body: Record<string, unknown>;
}

function tableOf(ch: ChannelDef, dir: Direction): MessageTable {
  return dir === 'server' ? ch.server : ch.client;
}

/** Decodes one message body sent in direction `dir` on channel `ch`. */
export function decodeMessage(ch: ChannelDef, dir: Direction, type: number, body: Uint8Array, limits?: CodecLimits): AnyMessage {
  const entry = tableOf(ch, dir).byType.get(type);
  if (!entry) {
    throw new SpiceError(ErrorCode.UNKNOWN_MESSAGE, `${dir === 'server' ? 'server' : 'client'} message type ${type} is not defined on the ${ch.name} channel`, {
      channel: ch.name, messageType: type,
    });
  }
  try {
    return { name: entry.name, body: decode(entry.body, body, limits) as Record<string, unknown> };
  } catch (e) {
    throw toSpiceError(e, ErrorCode.INCONSISTENT, { channel: ch.name, messageType: type, messageName: entry.name });
  }
}

/** The numeric type of a message name, or an ERR_ENCODE error. */
export function messageType(ch: ChannelDef, dir: Direction, name: string): number {
  const entry = tableOf(ch, dir).byName.get(name);
  if (!entry) throw new SpiceError(ErrorCode.ENCODE, `no ${dir} message '${name}' on the ${ch.name} channel`, { channel: ch.name });
  return entry.type;
}

/** Encodes a message body into `w` (at its current position); returns the type. */
export function encodeMessageInto(ch: ChannelDef, dir: Direction, msg: AnyMessage, w: ByteWriter): number {
  const entry = tableOf(ch, dir).byName.get(msg.name);
  if (!entry) throw new SpiceError(ErrorCode.ENCODE, `no ${dir} message '${msg.name}' on the ${ch.name} channel`, { channel: ch.name });
  try {
    encodeInto(entry.body, msg.body as never, w);
  } catch (e) {
    throw toSpiceError(e, ErrorCode.ENCODE, { channel: ch.name, messageType: entry.type, messageName: entry.name });
  }
  return entry.type;
}

export function encodeMessage(ch: ChannelDef, dir: Direction, msg: AnyMessage): { type: number; body: Uint8Array } {
  const w = new ByteWriter();
  const type = encodeMessageInto(ch, dir, msg, w);
  return { type, body: w.finish() };
}
