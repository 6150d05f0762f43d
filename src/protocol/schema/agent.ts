/**
 * The guest-agent protocol (vdagent) as it travels in MAIN agent_data messages: a stream of
 * VDAgentMessage (header + body), cut into agent_data pieces of at most AGENT_MAX_DATA bytes.
 * Only the messages spice-ts answers are described; the rest pass through as bytes.
 */
import { struct, array, bytes, u8, u32, u64, i32, REST } from '../wire/types.js';

export const AGENT_PROTOCOL = 1;
/** Largest agent_data body a peer sends (VD_AGENT_MAX_DATA_SIZE). */
export const AGENT_MAX_DATA = 2048;
export const AGENT_HEADER_SIZE = 20;

export const AgentMsg = {
  MOUSE_STATE: 1, MONITORS_CONFIG: 2, REPLY: 3, CLIPBOARD: 4, DISPLAY_CONFIG: 5, ANNOUNCE_CAPABILITIES: 6,
  CLIPBOARD_GRAB: 7, CLIPBOARD_REQUEST: 8, CLIPBOARD_RELEASE: 9, FILE_XFER_START: 10, FILE_XFER_STATUS: 11,
  FILE_XFER_DATA: 12, CLIENT_DISCONNECTED: 13, MAX_CLIPBOARD: 14, AUDIO_VOLUME_SYNC: 15, GRAPHICS_DEVICE_INFO: 16,
} as const;

export const AgentCap = {
  MOUSE_STATE: 0, MONITORS_CONFIG: 1, REPLY: 2, CLIPBOARD: 3, DISPLAY_CONFIG: 4, CLIPBOARD_BY_DEMAND: 5,
  CLIPBOARD_SELECTION: 6, SPARSE_MONITORS_CONFIG: 7, GUEST_LINEEND_LF: 8, GUEST_LINEEND_CRLF: 9, MAX_CLIPBOARD: 10,
  AUDIO_VOLUME_SYNC: 11, MONITORS_CONFIG_POSITION: 12, FILE_XFER_DISABLED: 13, FILE_XFER_DETAILED_ERRORS: 14,
  GRAPHICS_DEVICE_INFO: 15, CLIPBOARD_NO_RELEASE_ON_REGRAB: 16, CLIPBOARD_GRAB_SERIAL: 17,
} as const;

export const ClipboardType = { NONE: 0, UTF8_TEXT: 1, IMAGE_PNG: 2, IMAGE_BMP: 3, IMAGE_TIFF: 4, IMAGE_JPG: 5, FILE_LIST: 6 } as const;
export const AgentResult = { SUCCESS: 1, ERROR: 2 } as const;
export const FileXferStatus = { CAN_SEND_DATA: 0, CANCELLED: 1, ERROR: 2, SUCCESS: 3, NOT_ENOUGH_SPACE: 4, SESSION_LOCKED: 5, AGENT_NOT_CONNECTED: 6, DISABLED: 7 } as const;

// protocol:u32 type:u32 opaque:u64 size:u32 (20), then `size` bytes
export const AgentHeader = struct('AgentHeader', { protocol: u32, type: u32, opaque: u64, size: u32 });
// height:u32 width:u32 depth:u32 x:i32 y:i32 (20)
export const AgentMonConfig = struct('AgentMonConfig', { height: u32, width: u32, depth: u32, x: i32, y: i32 });
// num_of_monitors:u32 flags:u32 monitors:MonConfig[num_of_monitors] (physical sizes may follow)
export const AgentMonitorsConfig = struct('AgentMonitorsConfig', {
  num_of_monitors: u32, flags: u32, monitors: array(AgentMonConfig, 'num_of_monitors'), rest: bytes(REST),
});
// type:u32 error:u32
export const AgentReply = struct('AgentReply', { type: u32, error: u32 });
// request:u32 caps:u32[] (to the end)
export const AgentAnnounceCaps = struct('AgentAnnounceCaps', { request: u32, caps: array(u32, REST) });
// Clipboard messages start with selection:u8 + 3 reserved bytes when both sides have
// CLIPBOARD_SELECTION; GRAB then has serial:u32 when both have CLIPBOARD_GRAB_SERIAL.
export const AgentSelection = struct('AgentSelection', { selection: u8, reserved: bytes(3) });
// type:u32 data:u8[] (CLIPBOARD), type:u32 (REQUEST), types:u32[] (GRAB)
export const AgentClipboard = struct('AgentClipboard', { type: u32, data: bytes(REST) });
export const AgentClipboardRequest = struct('AgentClipboardRequest', { type: u32 });
export const AgentClipboardGrab = struct('AgentClipboardGrab', { types: array(u32, REST) });
// id:u32 result:u32 (FILE_XFER_STATUS), id:u32 data (FILE_XFER_START: key file text)
export const AgentFileXferStatus = struct('AgentFileXferStatus', { id: u32, result: u32 });
export const AgentFileXferStart = struct('AgentFileXferStart', { id: u32, data: bytes(REST) });
