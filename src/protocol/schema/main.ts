/**
 * Main channel (type 1): session set-up, channel list, mouse mode, agent.
 */
import { LinkErr, MouseMode } from '../enums/index.js';
import { struct, array, bytes, ptr, u16, u32, u64, e16, e32 } from '../wire/types.js';
import { Empty } from './define.js';
import { Data } from './base.js';
import { ChannelId, DstInfo } from './structs.js';

// num_tokens:u32
const Tokens = struct('AgentTokens', { num_tokens: u32 });

export const mainServer = {
  // dst_info:DstInfo
  migrate_begin: [101, struct('MigrateBegin', { dst_info: DstInfo })],
  migrate_cancel: [102, Empty],
  // session_id display_channels_hint supported_mouse_modes current_mouse_mode agent_connected
  // agent_tokens multi_media_time ram_hint: u32 each (32)
  init: [103, struct('MainInit', {
    session_id: u32, display_channels_hint: u32, supported_mouse_modes: e32(MouseMode),
    current_mouse_mode: e32(MouseMode), agent_connected: u32, agent_tokens: u32,
    multi_media_time: u32, ram_hint: u32,
  })],
  // num_of_channels:u32 channels:ChannelId[num_of_channels]
  channels_list: [104, struct('ChannelsList', { num_of_channels: u32, channels: array(ChannelId, 'num_of_channels') })],
  // supported_modes:u16 current_mode:u16 (mouse_mode flags; 16-bit here, 32-bit in init)
  mouse_mode: [105, struct('MouseMode', { supported_modes: e16(MouseMode), current_mode: e16(MouseMode) })],
  // time:u32 (ms)
  multi_media_time: [106, struct('MultiMediaTime', { time: u32 })],
  agent_connected: [107, Empty],
  // error_code:u32 (link_err)
  agent_disconnected: [108, struct('AgentDisconnected', { error_code: e32(LinkErr) })],
  // data:u8[] (a piece of the VDAgentMessage stream)
  agent_data: [109, Data],
  agent_token: [110, Tokens],
  // port:u16 sport:u16 host_size:u32 host_data*:u8[host_size] cert_subject_size:u32 cert_subject_data*:u8[...]
  migrate_switch_host: [111, struct('MigrateSwitchHost', {
    port: u16, sport: u16, host_size: u32, host_data: ptr(bytes('host_size')),
    cert_subject_size: u32, cert_subject_data: ptr(bytes('cert_subject_size')),
  })],
  migrate_end: [112, Empty],
  // name_len:u32 name:u8[name_len] (NUL-terminated, NUL counted)
  name: [113, struct('Name', { name_len: u32, name: bytes('name_len') })],
  // uuid:u8[16]
  uuid: [114, struct('Uuid', { uuid: bytes(16) })],
  agent_connected_tokens: [115, Tokens],
  // dst_info:DstInfo src_mig_version:u32
  migrate_begin_seamless: [116, struct('MigrateBeginSeamless', { dst_info: DstInfo, src_mig_version: u32 })],
  migrate_dst_seamless_ack: [117, Empty],
  migrate_dst_seamless_nack: [118, Empty],
} as const;

export const mainClient = {
  // cache_size:u64 (unused by modern servers)
  client_info: [101, struct('ClientInfo', { cache_size: u64 })],
  migrate_connected: [102, Empty],
  migrate_connect_error: [103, Empty],
  attach_channels: [104, Empty],
  // mode:u16 (mouse_mode)
  mouse_mode_request: [105, struct('MouseModeRequest', { mode: e16(MouseMode) })],
  agent_start: [106, Tokens],
  agent_data: [107, Data],
  agent_token: [108, Tokens],
  migrate_end: [109, Empty],
  // src_version:u32
  migrate_dst_do_seamless: [110, struct('MigrateDstDoSeamless', { src_version: u32 })],
  migrate_connected_seamless: [111, Empty],
  quality_indicator: [112, Data],
} as const;
