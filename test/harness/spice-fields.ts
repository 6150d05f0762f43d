// `spice.*` field names of Wireshark 4.0.17's SPICE dissector, as observed in
// `tshark -T json --no-duplicate-keys` output of real sessions (QEMU 7.2 with
// all channels + spicy-screenshot; Xspice + remote-viewer with mouse and
// keyboard input). Values are strings, as tshark prints them.
//
// Shape of one packet's spice layer (`_source.layers.spice`):
// * an object, or an array of objects when a frame carries several PDUs
//   reassembled separately (e.g. the 256,000-byte PING then CHANNELS_LIST),
//   or "" for a TCP segment that is only part of a PDU;
// * link stage: fields at top level ("spice.link_client" / "spice.link_server"
//   subtrees, "Client Common Capabilities (4 bytes)" / "Common Capabilities
//   (4 bytes)" and "... Channel(-specific) Capabilities" subtrees);
// * after the link: server messages sit under "Server <NAME> (<n> bytes)"
//   keys (several in one frame); a single client message has its fields at the
//   top level. Every message has "spice.message_header": {"Message type:
//   Server INIT (103)": {"spice.message_type": "103"}, "spice.message_size": "32"}.
//   Message labels observed: Server INIT/NAME/UUID/PING/CHANNELS_LIST/
//   MOUSE_MODE/NOTIFY/SET_ACK/INVAL_ALL_PALETTES/SURFACE_CREATE/DRAW_COPY/
//   DRAW_FILL/MONITORS_CONFIG/MARK/KEY_MODIFIERS/DATA; Client ATTACH_CHANNELS/
//   PONG/MOUSE_MODE_REQUEST/INIT/ACK_SYNC/ACK/KEY_MODIFIERS/KEY_SCANCODE/
//   MOUSE_POSITION/MOUSE_PRESS/MOUSE_RELEASE/DATA.
// * CHANNELS_LIST: "Channel Array": {"channels[0]: USBREDIR": {"spice.channel_type":
//   "9", "spice.channel_id": "0"}, "channels[1]: RECORD": {...}, ...}.
//
// Quirks: spice.main_session_id is read big-endian (MAIN_INIT session id
// 0x733ec515 on the wire, little-endian, shows as "365248115" = 0x15c53e73),
// while spice.conn_id in the link message shows the true value "0x733ec515"; SpiceRect labels are in the
// wrong order (wire order is top, left, bottom, right: a 1024x768 surface shows
// left=0 top=0 right=768 bottom=1024); on spicevmc channels (usbredir) the
// Client/Server labels of DATA are swapped; channel caps of channels it does
// not know (usbredir, webdav) show as "spice.unknown_channel".
export const FIELD_NAMES: Readonly<Record<string, string>> = {
  // link stage
  'spice.link_client': 'subtree: client SpiceLinkHeader {magic, major_version, minor_version, message_size}',
  'spice.link_server': 'subtree: server SpiceLinkHeader (same fields)',
  'spice.magic': '"REDQ"',
  'spice.major_version': '"2"',
  'spice.minor_version': '"2"',
  'spice.message_size': 'link header: size of the link message ("26" client, "186" server); message header: body size',
  'spice.conn_id': 'client link: "0x00000000" for main, the session id (true value; MAIN_INIT spice.main_session_id is the byte-swapped one) for the others, e.g. "0x733ec515"',
  'spice.channel_type': 'client link and CHANNELS_LIST entries: "1" main, "2" display, "3" inputs, "4" cursor, "5" playback, "6" record, "9" usbredir, "11" webdav',
  'spice.channel_id': '"0"',
  'spice.num_common_caps': '"1"',
  'spice.num_channel_caps': '"1"',
  'spice.caps_offset': '"18" (client), "178" (server)',
  'spice.common_cap_auth_select': '"1"',
  'spice.common_cap_auth_spice': '"0" from the client, "1" from the server',
  'spice.common_cap_auth_sasl': '"1" from spice-gtk, "0" from spice-server',
  'spice.common_cap_mini_header': '"1"',
  'spice.main_cap_semi_migrate': '"1"',
  'spice.main_cap_vm_name_uuid': '"1"',
  'spice.main_cap_agent_connected_tokens': '"1"',
  'spice.main_cap_seamless_migrate': '"1"',
  'spice.display_cap_sized_stream': '"1" (likewise _monitors_config, _composite, _a8_surface, _stream_report, _lz4_compression, _pref_compression, _gl_scanout, _multi_codec, _codec_mjpeg, _codec_vp8, _codec_h264, _pref_video_codec_type, _codec_vp9, _codec_h265)',
  'spice.inputs_cap': '"1"',
  'spice.unknown_channel': '"" (expert info: caps of a channel type the dissector does not know)',
  'spice.error_code': 'server link reply: "0" = OK',
  'spice.x509_subjectpublickeyinfo': 'server link reply: 162-byte RSA public key, "30:81:9f:30:0d:..."',
  'spice.auth_select_client': '"1" (SPICE_COMMON_CAP_AUTH_SPICE)',
  'spice.ticket_client': '128-byte RSA-OAEP encrypted ticket, "3c:fd:d8:..." (sent even without a password)',
  'spice.ticket_server': 'link result: "0" = OK',
  // message header
  'spice.message_header': 'subtree: {"Message type: Server INIT (103)": {spice.message_type}, spice.message_size}',
  'spice.message_type': '"103"',
  // main channel
  'spice.main_session_id': 'SPICE_MSG_MAIN_INIT: "365248115"',
  'spice.display_channels_hint': '"1"',
  'spice.supported_mouse_modes': '"0x00000001" (QEMU without agent), "0x00000003" (Xspice)',
  'spice.supported_mouse_modes_flag_client': '"1"',
  'spice.supported_mouse_modes_flags_server': '"1"',
  'spice.current_mouse_mode': '"0x00000001"',
  'spice.current_mouse_mode_flags': 'MOUSE_MODE_REQUEST: "0x0002"',
  'spice.supported_mouse_modes_flags': 'MOUSE_MODE: "0x0003"',
  'spice.agent': '"0"',
  'spice.agent_tokens': '"10"',
  'spice.multimedia_time': '"408487"',
  'spice.ram_hint': '"50323456"',
  'spice.main_name_length': '"20"',
  'spice.main_name': '"spice-ts-peer-38683" (QEMU -name)',
  'spice.main_uuid': '"00000000-0000-0000-0000-000000000000"',
  'spice.ping_id': '"1"',
  'spice.timestamp': '"408887885"',
  'spice.ping_data': '"00:00:..." (256,000 bytes in the first bandwidth-test PING)',
  'spice.main_num_channels': 'CHANNELS_LIST: "7"',
  'spice.notify_severity': '"1"',
  'spice.notify_visibility': '"2"',
  'spice.notify_code': '"0"',
  'spice.notify_message_length': '"28"',
  'spice.notify_message': '"keyboard channel is insecure"',
  'spice.data': 'spicevmc DATA payload, hex',
  // display channel
  'spice.display_init_cache_id': '"1"',
  'spice.display_init_cache_size': '"20971520"',
  'spice.display_init_glz_dict_id': '"1"',
  'spice.display_init_dict_window_size': '"6290432"',
  'spice.red_set_ack_generation': '"1"',
  'spice.red_set_ack_window': '"20"',
  'spice.surface_id': '"0"',
  'spice.surface_width': '"720" (QEMU text mode), "1024" (Xspice)',
  'spice.surface_height': '"400"',
  'spice.surface_format': '"32"',
  'spice.surface_flags': '"1" (primary)',
  'spice.rect.left': 'mislabelled: really top, "0"',
  'spice.rect.top': 'mislabelled: really left, "0"',
  'spice.rect.right': 'mislabelled: really bottom, "400"',
  'spice.rect.bottom': 'mislabelled: really right, "720"',
  'spice.clip_type': '"0"',
  'spice.ref_image': '"0x00000039"',
  'spice.display_rop_descriptor': '"0x0008"',
  'spice.scale_mode': '"0"',
  'spice.mask_flag': '"0"',
  'spice.point32.x': '"0"',
  'spice.point32.y': '"0"',
  'spice.point16.x': '"0"',
  'spice.point16.y': '"0"',
  'spice.brush_type': '"1" (solid)',
  'spice.brush_rgb': '"0x00ffffff"',
  'spice.image_id': '"0x0000000100000002"',
  'spice.image_type': '"101" (LZ_RGB)',
  'spice.image_flags': '"0x00"',
  'spice.image_width': '"720"',
  'spice.image_height': '"400"',
  'spice.image_from_cache': '""',
  'spice.lz_rgb_image_size': '"9052"',
  'spice.glz_rgb_image_size': '"115"',
  'spice.lz_magic': '"  ZL"',
  'spice.LZ_major_version': '"1"',
  'spice.LZ_minor_version': '"1"',
  'spice.LZ_RGB_type': '"8"',
  'spice.LZ_width': '"720"',
  'spice.LZ_height': '"400"',
  'spice.LZ_stride': '"2880"',
  'spice.LZ_RGB_dict_id': '"0x0000000101000000"',
  'spice.lz_rgb_compressed_image_data': 'hex',
  'spice.pixmap_format': '"9"',
  'spice.pixmap_flags': '"0x04"',
  'spice.pixmap_width': '"3"',
  'spice.pixmap_height': '"3"',
  'spice.pixmap_stride': '"12"',
  'spice.pixmap_pixels': 'hex',
  'spice.monitor_config_count': '"1"',
  'spice.monitor_config_max_allowed': '"1"',
  'spice.display_head_id': '"0"',
  'spice.display_head_surface_id': '"0"',
  'spice.display_head_width': '"720"',
  'spice.display_head_height': '"400"',
  'spice.display_head_x': '"0"',
  'spice.display_head_y': '"0"',
  'spice.display_head_flags': '"0"',
  'spice.display_mark_message': '""',
  // cursor channel
  'spice.cursor_trail_len': '"0"',
  'spice.cursor_trail_freq': '"0"',
  'spice.cursor_trail_visible': '"1"',
  'spice.cursor_flags': '"0x0001" (none)',
  // inputs channel
  'spice.keyboard_modifiers': '"0x0000"',
  'spice.keyboard_modifier_scroll_lock': '"0" (likewise _num_lock, _caps_lock)',
  'spice.button_state': '"0"',
  'spice.mouse_display_id': '"0"',
};
