/**
 * Messages 1..8 (server) and 1..6 (client), common to every channel.
 */
import { LinkErr, MigrateFlags, NotifySeverity, NotifyVisibility } from '../enums/index.js';
import { struct, array, bytes, u8, u32, u64, e32, REST } from '../wire/types.js';
import { Empty } from './define.js';
import { ChannelWait } from './structs.js';

// data:u8[] to the end of the message
export const Data = struct('Data', { data: bytes(REST) });

// time_stamp:u64 reason:u32 (link_err) (12)
const Disconnecting = struct('Disconnecting', { time_stamp: u64, reason: e32(LinkErr) });

export const baseServer = {
  // flags:u32 (migrate_flags)
  migrate: [1, struct('Migrate', { flags: e32(MigrateFlags) })],
  // data:u8[] (opaque, channel specific)
  migrate_data: [2, Data],
  // generation:u32 window:u32 (8)
  set_ack: [3, struct('SetAck', { generation: u32, window: u32 })],
  // id:u32 timestamp:u64 data:u8[] (padding for the bandwidth test) (12+)
  ping: [4, struct('Ping', { id: u32, timestamp: u64, data: bytes(REST) })],
  // wait_count:u8 wait_list:ChannelWait[wait_count]
  wait_for_channels: [5, struct('WaitForChannels', { wait_count: u8, wait_list: array(ChannelWait, 'wait_count') })],
  disconnecting: [6, Disconnecting],
  // time_stamp:u64 severity:u32 visibility:u32 what:u32 message_len:u32 message:u8[message_len]
  // (spice-server writes a NUL after the message, not counted in message_len)
  notify: [7, struct('Notify', {
    time_stamp: u64, severity: e32(NotifySeverity), visibility: e32(NotifyVisibility), what: u32,
    message_len: u32, message: bytes('message_len'),
  })],
  // SubMessageList: size:u16 sub_messages:u32[size] (offsets of SubMessage{type:u16 size:u32 body})
  // kept opaque here; the channel core expands it
  list: [8, Data],
} as const;

export const baseClient = {
  // generation:u32
  ack_sync: [1, struct('AckSync', { generation: u32 })],
  // (empty)
  ack: [2, Empty],
  // id:u32 timestamp:u64 (12)
  pong: [3, struct('Pong', { id: u32, timestamp: u64 })],
  migrate_flush_mark: [4, Empty],
  migrate_data: [5, Data],
  disconnecting: [6, Disconnecting],
} as const;
