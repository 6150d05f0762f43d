/**
 * The link stage's own messages (before any data header exists):
 *
 *   SpiceLinkHeader (16): magic:u32 "REDQ" major_version:u32 minor_version:u32 size:u32 (bytes that follow)
 *   SpiceLinkMess (18, client): connection_id:u32 channel_type:u8 channel_id:u8
 *       num_common_caps:u32 num_channel_caps:u32 caps_offset:u32, then the cap words
 *   SpiceLinkReply (178, server): error:u32 pub_key:u8[162] num_common_caps:u32
 *       num_channel_caps:u32 caps_offset:u32, then the cap words
 *   then (client) auth mechanism:u32 if both sides have PROTOCOL_AUTH_SELECTION,
 *   the 128-byte encrypted ticket, and (server) the link result:u32.
 *
 * caps_offset counts from the start of SpiceLinkMess/SpiceLinkReply (after
 * the 16-byte header); common cap words come first, then channel cap words.
 */
import { LinkErr } from '../enums/index.js';
import { ErrorCode, SpiceError } from '../errors.js';
import { ByteWriter } from '../wire/bytes.js';
import { Reader, decode, encodeInto } from '../wire/codec.js';
import { struct, bytes, u8, u32, e32 } from '../wire/types.js';
import { TICKET_PUBKEY_BYTES } from '../crypto/ticket.js';

/** "REDQ" read as a little-endian u32. */
export const SPICE_MAGIC = 0x51444552;
export const SPICE_VERSION_MAJOR = 2;
export const SPICE_VERSION_MINOR = 2;

export const LINK_HEADER_SIZE = 16;
export const LINK_MESS_SIZE = 18;
export const LINK_REPLY_SIZE = 178;
/** spice-server refuses link messages larger than this (and smaller than 18). */
export const LINK_MAX_SIZE = 4096;
/** spice-server refuses more capability words than this. */
export const LINK_MAX_CAP_WORDS = 1024;

export const LinkHeader = struct('LinkHeader', { magic: u32, major_version: u32, minor_version: u32, size: u32 });
export const LinkMessFixed = struct('LinkMess', {
  connection_id: u32, channel_type: u8, channel_id: u8, num_common_caps: u32, num_channel_caps: u32, caps_offset: u32,
});
export const LinkReplyFixed = struct('LinkReply', {
  error: e32(LinkErr), pub_key: bytes(TICKET_PUBKEY_BYTES), num_common_caps: u32, num_channel_caps: u32, caps_offset: u32,
});

export interface LinkHeaderValue {
  magic: number;
  major_version: number;
  minor_version: number;
  size: number;
}

export interface LinkMess {
  connectionId: number;
  channelType: number;
  channelId: number;
  /** Common capability words. */
  commonCaps: number[];
  /** Channel capability words. */
  channelCaps: number[];
}

export interface LinkReply {
  error: number;
  /** DER SubjectPublicKeyInfo of the server's ticket key (all zero on error). */
  pubKey: Uint8Array;
  commonCaps: number[];
  channelCaps: number[];
}

function header(size: number, w: ByteWriter): void {
  encodeInto(LinkHeader, { magic: SPICE_MAGIC, major_version: SPICE_VERSION_MAJOR, minor_version: SPICE_VERSION_MINOR, size }, w);
}

export function encodeLinkMess(m: LinkMess): Uint8Array {
  const w = new ByteWriter(64);
  header(LINK_MESS_SIZE + 4 * (m.commonCaps.length + m.channelCaps.length), w);
  encodeInto(LinkMessFixed, {
    connection_id: m.connectionId, channel_type: m.channelType, channel_id: m.channelId,
    num_common_caps: m.commonCaps.length, num_channel_caps: m.channelCaps.length, caps_offset: LINK_MESS_SIZE,
  }, w);
  for (const c of [...m.commonCaps, ...m.channelCaps]) w.u32(c);
  return w.finish();
}

export function encodeLinkReply(m: LinkReply): Uint8Array {
  const w = new ByteWriter(256);
  header(LINK_REPLY_SIZE + 4 * (m.commonCaps.length + m.channelCaps.length), w);
  let key = m.pubKey;
  if (key.length !== TICKET_PUBKEY_BYTES) {
    if (m.error === LinkErr.OK) throw new SpiceError(ErrorCode.ENCODE, `the public key must be ${TICKET_PUBKEY_BYTES} bytes`);
    key = new Uint8Array(TICKET_PUBKEY_BYTES);
  }
  encodeInto(LinkReplyFixed, {
    error: m.error, pub_key: key, num_common_caps: m.commonCaps.length,
    num_channel_caps: m.channelCaps.length, caps_offset: LINK_REPLY_SIZE,
  }, w);
  for (const c of [...m.commonCaps, ...m.channelCaps]) w.u32(c);
  return w.finish();
}

/** A link header and reply that only carry an error (what a server sends to refuse). */
export function encodeLinkError(error: number): Uint8Array {
  return encodeLinkReply({ error, pubKey: new Uint8Array(TICKET_PUBKEY_BYTES), commonCaps: [], channelCaps: [] });
}

export function decodeLinkHeader(b: Uint8Array): LinkHeaderValue {
  if (b.length < LINK_HEADER_SIZE) throw new SpiceError(ErrorCode.TRUNCATED, `link header needs ${LINK_HEADER_SIZE} bytes, got ${b.length}`);
  const h = decode(LinkHeader, b);
  if (h.magic !== SPICE_MAGIC) {
    throw new SpiceError(ErrorCode.BAD_MAGIC, `the peer did not answer with the SPICE magic "REDQ" (got 0x${h.magic.toString(16).padStart(8, '0')}): not a SPICE server or client`);
  }
  if (h.major_version !== SPICE_VERSION_MAJOR) {
    throw new SpiceError(ErrorCode.VERSION_MISMATCH, `the peer speaks SPICE protocol ${h.major_version}.${h.minor_version}; spice-ts speaks ${SPICE_VERSION_MAJOR}.x`);
  }
  return h;
}

function readCaps(body: Uint8Array, offset: number, nCommon: number, nChannel: number, what: string): [number[], number[]] {
  if (nCommon + nChannel > LINK_MAX_CAP_WORDS) {
    throw new SpiceError(ErrorCode.LIMIT, `${what}: ${nCommon + nChannel} capability words (at most ${LINK_MAX_CAP_WORDS})`);
  }
  if (offset + 4 * (nCommon + nChannel) > body.length || offset < 0) {
    throw new SpiceError(ErrorCode.INCONSISTENT, `${what}: capabilities at offset ${offset} run past the ${body.length}-byte message`);
  }
  const r = new Reader(body, offset, body.length, 0);
  const common: number[] = [];
  const channel: number[] = [];
  for (let i = 0; i < nCommon; i++) common.push(r.u32());
  for (let i = 0; i < nChannel; i++) channel.push(r.u32());
  return [common, channel];
}

/** Decodes the SpiceLinkMess body (the `size` bytes after the header). */
export function decodeLinkMess(body: Uint8Array): LinkMess {
  if (body.length < LINK_MESS_SIZE) throw new SpiceError(ErrorCode.TRUNCATED, `link message needs ${LINK_MESS_SIZE} bytes, got ${body.length}`);
  const m = decode(LinkMessFixed, body);
  const [commonCaps, channelCaps] = readCaps(body, m.caps_offset, m.num_common_caps, m.num_channel_caps, 'link message');
  return { connectionId: m.connection_id, channelType: m.channel_type, channelId: m.channel_id, commonCaps, channelCaps };
}

/** Decodes the SpiceLinkReply body. On a refusal, only `error` is meaningful. */
export function decodeLinkReply(body: Uint8Array): LinkReply {
  if (body.length < 4) throw new SpiceError(ErrorCode.TRUNCATED, 'link reply is shorter than its error code');
  const error = new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(0, true);
  if (error !== LinkErr.OK && body.length < LINK_REPLY_SIZE) {
    return { error, pubKey: new Uint8Array(0), commonCaps: [], channelCaps: [] };
  }
  if (body.length < LINK_REPLY_SIZE) throw new SpiceError(ErrorCode.TRUNCATED, `link reply needs ${LINK_REPLY_SIZE} bytes, got ${body.length}`);
  const m = decode(LinkReplyFixed, body);
  if (error !== LinkErr.OK) return { error, pubKey: m.pub_key, commonCaps: [], channelCaps: [] };
  const [commonCaps, channelCaps] = readCaps(body, m.caps_offset, m.num_common_caps, m.num_channel_caps, 'link reply');
  return { error, pubKey: m.pub_key, commonCaps, channelCaps };
}
