/**
 * Reads the golden captures in test/fixtures/golden (see its README): each
 * connection's link stage and its data messages, split but not decoded, so
 * tests can decode, replay or re-encode them as they need.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { CommonCap, LinkErr, wordsToCaps } from '../../src/protocol/enums/index.js';
import {
  LINK_HEADER_SIZE, decodeLinkHeader, decodeLinkMess, decodeLinkReply, type LinkMess, type LinkReply,
} from '../../src/protocol/link/messages.js';
import { channelByType, type ChannelDef } from '../../src/protocol/schema/channels.js';
import { decodeMessage } from '../../src/protocol/messages.js';

export const GOLDEN_DIR = join(process.cwd(), 'test', 'fixtures', 'golden');

export interface FixtureFile {
  name: string;
  description?: string;
  connections: { index: number; clientToServer: string; serverToClient: string; truncated?: boolean }[];
}

/** One data message as captured: header fields and the body bytes. */
export interface RawMessage {
  type: number;
  body: Uint8Array;
  /** Offset of the message header in its direction's stream. */
  offset: number;
}

export interface GoldenConnection {
  index: number;
  def: ChannelDef;
  channelId: number;
  linkMess: LinkMess;
  /** The client's link message bytes (header included). */
  linkMessBytes: Uint8Array;
  linkReply?: LinkReply;
  linkReplyBytes?: Uint8Array;
  /** The server's 4-byte link result, when captured. */
  linkResult?: number;
  miniHeader: boolean;
  clientToServer: Uint8Array;
  serverToClient: Uint8Array;
  /** Where data messages start in each stream (after the link stage). */
  clientDataOffset: number;
  serverDataOffset: number;
  client: RawMessage[];
  server: RawMessage[];
  truncated: boolean;
}

export interface GoldenSession {
  name: string;
  description: string;
  connections: GoldenConnection[];
}

export function goldenFiles(): string[] {
  return readdirSync(GOLDEN_DIR).filter((f) => f.endsWith('.json.gz')).sort();
}

/** Splits a stream of data messages; a message cut by the capture's end is left out. */
export function splitStream(stream: Uint8Array, offset: number, mini: boolean): RawMessage[] {
  const dv = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  const hsize = mini ? 6 : 18;
  const out: RawMessage[] = [];
  let pos = offset;
  while (pos + hsize <= stream.length) {
    const type = dv.getUint16(pos + (mini ? 0 : 8), true);
    const size = dv.getUint32(pos + (mini ? 2 : 10), true);
    if (pos + hsize + size > stream.length) break;
    out.push({ type, body: stream.subarray(pos + hsize, pos + hsize + size), offset: pos });
    pos += hsize + size;
  }
  return out;
}

/** Loads `name` (with or without `.json.gz`) from the golden folder. */
export function loadGolden(name: string): GoldenSession {
  const file = name.endsWith('.json.gz') ? name : `${name}.json.gz`;
  const fx = JSON.parse(gunzipSync(readFileSync(join(GOLDEN_DIR, file))).toString('utf8')) as FixtureFile;
  const connections: GoldenConnection[] = [];
  for (const conn of fx.connections) {
    const c2s = new Uint8Array(Buffer.from(conn.clientToServer, 'base64'));
    const s2c = new Uint8Array(Buffer.from(conn.serverToClient, 'base64'));
    const ch = decodeLinkHeader(c2s);
    const linkMessBytes = c2s.subarray(0, LINK_HEADER_SIZE + ch.size);
    const linkMess = decodeLinkMess(c2s.subarray(LINK_HEADER_SIZE, LINK_HEADER_SIZE + ch.size));
    const def = channelByType(linkMess.channelType);
    if (!def) throw new Error(`${fx.name}: connection ${conn.index} has unknown channel type ${linkMess.channelType}`);
    const out: GoldenConnection = {
      index: conn.index, def, channelId: linkMess.channelId, linkMess, linkMessBytes, miniHeader: false,
      clientToServer: c2s, serverToClient: s2c, clientDataOffset: c2s.length, serverDataOffset: s2c.length,
      client: [], server: [], truncated: conn.truncated === true,
    };
    connections.push(out);
    if (s2c.length === 0) continue;
    const sh = decodeLinkHeader(s2c);
    out.linkReplyBytes = s2c.subarray(0, LINK_HEADER_SIZE + sh.size);
    const reply = decodeLinkReply(s2c.subarray(LINK_HEADER_SIZE, LINK_HEADER_SIZE + sh.size));
    out.linkReply = reply;
    if (reply.error !== LinkErr.OK) continue;
    const serverCommon = wordsToCaps(reply.commonCaps);
    const clientCommon = wordsToCaps(linkMess.commonCaps);
    const selection = serverCommon.includes(CommonCap.PROTOCOL_AUTH_SELECTION) && clientCommon.includes(CommonCap.PROTOCOL_AUTH_SELECTION);
    out.miniHeader = serverCommon.includes(CommonCap.MINI_HEADER) && clientCommon.includes(CommonCap.MINI_HEADER);
    const spos = LINK_HEADER_SIZE + sh.size;
    if (s2c.length < spos + 4) continue;
    out.linkResult = new DataView(s2c.buffer, s2c.byteOffset).getUint32(spos, true);
    if (out.linkResult !== LinkErr.OK) continue;
    out.serverDataOffset = spos + 4;
    out.clientDataOffset = LINK_HEADER_SIZE + ch.size + (selection ? 4 : 0) + 128;
    out.server = splitStream(s2c, out.serverDataOffset, out.miniHeader);
    out.client = splitStream(c2s, out.clientDataOffset, out.miniHeader);
  }
  return { name: fx.name, description: fx.description ?? '', connections };
}

/**
 * Every SPICE image (anything with an image descriptor) inside a decoded
 * message body, depth first, in wire order.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function* imagesIn(v: unknown): Generator<Record<string, any>> {
  if (v && typeof v === 'object' && !(v instanceof Uint8Array)) {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const o = v as Record<string, any>;
    if (o.descriptor && typeof o.descriptor.type === 'number') yield o;
    for (const x of Object.values(o)) yield* imagesIn(x);
  }
}

/**
 * Every image in the server's display messages of a session, in stream
 * order (display connections one after the other); messages that do not
 * decode are skipped.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function* displayImages(session: GoldenSession): Generator<Record<string, any>> {
  for (const c of session.connections) {
    if (c.def.name !== 'display') continue;
    for (const m of c.server) {
      let body: unknown;
      try {
        body = decodeMessage(c.def, 'server', m.type, m.body).body;
      } catch {
        continue;
      }
      yield* imagesIn(body);
    }
  }
}

export interface GoldenJpeg {
  label: string;
  data: Uint8Array;
  width: number;
  height: number;
  mjpeg: boolean;
}

/** The JPEGs of the golden captures: JPEG/JPEG_ALPHA images and MJPEG stream frames. */
export function goldenJpegs(): GoldenJpeg[] {
  const out: GoldenJpeg[] = [];
  for (const name of ['xspice-jpeg-zlib-glz', 'xspice-stream-mjpeg']) {
    const s = loadGolden(name);
    for (const c of s.connections) {
      if (c.def.name !== 'display') continue;
      const streams = new Map<number, { w: number; h: number }>();
      for (const m of c.server) {
        const d = decodeMessage(c.def, 'server', m.type, m.body);
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const b = d.body as Record<string, any>;
        if (d.name === 'stream_create') streams.set(b.id, { w: b.src_width, h: b.src_height });
        if (d.name === 'stream_data') {
          const st = streams.get(b.base.id);
          if (!st) throw new Error(`${name}: stream ${b.base.id} has data before STREAM_CREATE`);
          out.push({ label: `${name} @${m.offset} stream_data`, data: b.data, width: st.w, height: st.h, mjpeg: true });
        }
        if (d.name === 'stream_data_sized') {
          out.push({ label: `${name} @${m.offset} stream_data_sized`, data: b.data, width: b.width, height: b.height, mjpeg: true });
        }
        for (const im of imagesIn(b)) {
          const { width, height } = im.descriptor;
          if (im.jpeg) out.push({ label: `${name} @${m.offset} JPEG`, data: im.jpeg.data, width, height, mjpeg: false });
          if (im.jpeg_alpha) {
            const ja = im.jpeg_alpha;
            out.push({ label: `${name} @${m.offset} JPEG_ALPHA`, data: ja.data.subarray(0, ja.jpeg_size), width, height, mjpeg: false });
          }
        }
      }
    }
  }
  return out;
}

