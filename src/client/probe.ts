/**
 * `probe`: connect like a real client, learn what the server offers, leave.
 *
 * Links the main channel (always with a ticket), reads MAIN_INIT, asks for
 * the channel list (ATTACH_CHANNELS), links every listed channel with the
 * session id, and reports capabilities and link results. Transport-neutral:
 * the caller supplies `open(tls)`, so the same code runs over TCP, TLS or a
 * WebSocket.
 */
import {
  ChannelType, CommonCap, MainCap, MouseMode, LinkErr, enumName, flagNames, type EnumDef,
} from '../protocol/enums/index.js';
import { ErrorCode, SpiceError, toSpiceError } from '../protocol/errors.js';
import { channelByType, channelName } from '../protocol/schema/channels.js';
import type { SpiceChannel, LinkedEvent } from '../channel/channel.js';
import { linkWithFallback, wantsTls, type LinkOptions, type LinkOutcome } from './link.js';
import { displayInitBody } from './defaults.js';
import type { Transport } from '../transports/transport.js';
import type { ServerMessage } from '../protocol/schema/channels.js';

export interface ProbeOptions extends LinkOptions {
  /** Overall time limit, ms. Default 10000. */
  timeoutMs?: number;
  /**
   * How long to wait, after linking a secondary channel, for its first message
   * before hanging up (servers set channels up asynchronously). Default 500.
   */
  settleMs?: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => { setTimeout(resolve, ms).unref?.(); });
}

export interface CapsReport {
  common: string[];
  channel: string[];
}

export interface ChannelReport {
  type: number;
  id: number;
  name: string;
  /** 'ok', or the reason the link failed. */
  result: 'ok' | string;
  linkError?: string;
  tls: boolean;
  caps?: CapsReport;
}

export interface ProbeReport {
  target: string;
  tls: boolean;
  protocol: { major: number; minor: number };
  miniHeader: boolean;
  mainCaps: CapsReport;
  sessionId: number;
  displayChannelsHint: number;
  mouseModes: { supported: string[]; current: string };
  agent: { connected: boolean; tokens: number };
  multiMediaTime: number;
  ramHint: number;
  name?: string;
  uuid?: string;
  channels: ChannelReport[];
}

function capNames(caps: number[], names: EnumDef): string[] {
  return caps.map((c) => enumName(names, c));
}

function capsReport(type: number, info: LinkedEvent): CapsReport {
  const ch = channelByType(type);
  return {
    common: capNames(info.client!.serverCommonCaps, CommonCap),
    channel: ch ? capNames(info.client!.serverChannelCaps, ch.caps) : info.client!.serverChannelCaps.map(String),
  };
}

function uuidString(b: Uint8Array): string {
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function cString(b: Uint8Array): string {
  const nul = b.indexOf(0);
  return new TextDecoder().decode(nul >= 0 ? b.subarray(0, nul) : b);
}

export async function probe(target: string, opts: ProbeOptions): Promise<ProbeReport> {
  const timeoutMs = opts.timeoutMs ?? 10000;
  const opened: LinkOutcome[] = [];
  const transports: Transport[] = [];
  const track = (t: Transport) => transports.push(t);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SpiceError(ErrorCode.TIMEOUT, `the server did not complete the session set-up within ${timeoutMs} ms`)), timeoutMs);
  });
  const running = run();
  running.catch(() => {}); // when the timeout wins, the abandoned set-up may still fail
  try {
    return await Promise.race([running, timeout]);
  } finally {
    clearTimeout(timer);
    for (const o of opened) o.channel.close();
    for (const t of transports) t.close();
  }

  async function run(): Promise<ProbeReport> {
    type MainMsg = ServerMessage<'main'>;
    let name: string | undefined;
    let uuid: string | undefined;
    let init: Extract<MainMsg, { name: 'init' }>['body'] | undefined;
    let agentConnected = false;
    let agentTokens = 0;
    let listed!: (l: { type: number; id: number }[]) => void;
    let failed!: (e: SpiceError) => void;
    const list = new Promise<{ type: number; id: number }[]>((resolve, reject) => { listed = resolve; failed = reject; });
    // Awaited only after the link; a failure before that is reported by the link itself.
    list.catch(() => {});

    const setup = (channel: SpiceChannel) => {
      channel.on('closed', ({ error }) => failed(error ?? new SpiceError(ErrorCode.CLOSED, 'the server closed the main channel before listing its channels', { channel: 'main' })));
      channel.on('message', (raw) => {
        const m = raw as unknown as MainMsg;
        switch (m.name) {
          case 'init':
            init = m.body;
            agentConnected = m.body.agent_connected !== 0;
            agentTokens = m.body.agent_tokens;
            channel.send({ name: 'attach_channels', body: {} });
            break;
          case 'name': name = cString(m.body.name); break;
          case 'uuid': uuid = uuidString(m.body.uuid); break;
          case 'agent_connected': agentConnected = true; break;
          case 'agent_connected_tokens': agentConnected = true; agentTokens = m.body.num_tokens; break;
          case 'agent_disconnected': agentConnected = false; break;
          case 'channels_list':
            if (!init) { failed(new SpiceError(ErrorCode.INCONSISTENT, 'CHANNELS_LIST came before MAIN_INIT', { channel: 'main' })); return; }
            listed(m.body.channels.map((c) => ({ type: c.type, id: c.id })));
            break;
        }
      });
    };
    const main = await linkWithFallback(ChannelType.MAIN, 0, 0, {
      ...opts, channelCaps: [MainCap.NAME_AND_UUID, MainCap.AGENT_CONNECTED_TOKENS], setup, track,
    });
    opened.push(main);
    const client = main.info.client!;
    const channelList = await list;

    const sessionId = init!.session_id;
    const channels = await Promise.all(channelList.map(async (c): Promise<ChannelReport> => {
      const base = { type: c.type, id: c.id, name: channelName(c.type) };
      if (c.type === ChannelType.MAIN) {
        return { ...base, result: 'ok', tls: main.tls, caps: capsReport(c.type, main.info) };
      }
      try {
        let firstMessage!: () => void;
        const settled = new Promise<void>((resolve) => { firstMessage = resolve; });
        const setupSecondary = (ch: SpiceChannel) => {
          ch.once('message', () => firstMessage());
          ch.once('closed', () => firstMessage());
          // spice-server's display worker blocks (up to 15 s, stalling every
          // channel it serves) until the client's DISPLAY_INIT arrives.
          if (c.type === ChannelType.DISPLAY) ch.sendAfterTicket({ name: 'init', body: displayInitBody() });
        };
        const o = await linkWithFallback(c.type, c.id, sessionId, { ...opts, track, setup: setupSecondary });
        opened.push(o);
        const report = { ...base, result: 'ok', tls: o.tls, caps: capsReport(c.type, o.info) };
        // spice-server creates display and cursor channel clients on its worker
        // thread after the link reply; hanging up before that is done makes
        // 0.15 log "got disconnected while connecting" and, repeated, crash.
        // Their first message (SET_ACK) says the client exists: wait for it,
        // or a short while for channels that send nothing first.
        await Promise.race([settled, sleep(opts.settleMs ?? 500)]);
        o.channel.close();
        return report;
      } catch (e) {
        const err = toSpiceError(e, ErrorCode.INCONSISTENT);
        return {
          ...base, result: err.message, tls: wantsTls(base.name, opts),
          linkError: err.linkError !== undefined ? enumName(LinkErr, err.linkError) : err.code,
        };
      }
    }));

    return {
      target,
      tls: main.tls,
      protocol: client.serverVersion,
      miniHeader: main.info.miniHeader,
      mainCaps: capsReport(ChannelType.MAIN, main.info),
      sessionId,
      displayChannelsHint: init!.display_channels_hint,
      mouseModes: {
        supported: flagNames(MouseMode, init!.supported_mouse_modes),
        current: flagNames(MouseMode, init!.current_mouse_mode).join('|'),
      },
      agent: { connected: agentConnected, tokens: agentTokens },
      multiMediaTime: init!.multi_media_time,
      ramHint: init!.ram_hint,
      name,
      uuid,
      channels,
    };
  }
}
