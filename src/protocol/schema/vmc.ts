/**
 * Byte-pipe channels: smartcard (type 8) and the "spicevmc" family —
 * usbredir (9), port (10) and webdav (11).
 */
import { DataCompressionType, PortEvent, VscMessageType } from '../enums/index.js';
import { struct, sw, isNot, bytes, ptr, u8, u32, e8, e32, REST } from '../wire/types.js';
import { Data } from './base.js';

// type:u32 (vsc_message_type) reader_id:u32 length:u32 data:u8[length]
const Vsc = struct('VscMessage', { type: e32(VscMessageType), reader_id: u32, length: u32, data: bytes('length') });

export const smartcardServer = { data: [101, Vsc] } as const;
export const smartcardClient = { data: [101, Vsc] } as const;

// type:u8 (data_compression_type), uncompressed_size:u32 unless NONE, compressed_data:u8[]
const CompressedData = struct('CompressedData', {
  type: e8(DataCompressionType),
  u: sw('type', { uncompressed_size: [isNot(DataCompressionType.NONE), u32] }),
  compressed_data: bytes(REST),
});

export const spicevmcServer = {
  data: [101, Data],
  compressed_data: [102, CompressedData],
} as const;

export const spicevmcClient = {
  data: [101, Data],
  compressed_data: [102, CompressedData],
} as const;

// event:u8 (port_event)
const Event = struct('PortEvent', { event: e8(PortEvent) });

export const portServer = {
  ...spicevmcServer,
  // name_size:u32 name*:u8[name_size] (NUL-terminated) opened:u8
  init: [201, struct('PortInit', { name_size: u32, name: ptr(bytes('name_size'), { nonNull: true }), opened: u8 })],
  event: [202, Event],
} as const;

export const portClient = {
  ...spicevmcClient,
  event: [201, Event],
} as const;
