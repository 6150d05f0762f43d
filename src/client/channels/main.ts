/**
 * The main channel, client side: session set-up (MAIN_INIT, ATTACH_CHANNELS,
 * CHANNELS_LIST), mouse mode, agent presence and its stream (handed to agent.ts), the
 * multimedia clock.
 */
import { MouseMode } from '../../protocol/enums/index.js';
import { ErrorCode, SpiceError } from '../../protocol/errors.js';
import type { ServerMessage } from '../../protocol/schema/channels.js';
import { ChannelClient, type HandlerTable } from './base.js';
import type { AgentClient } from '../agent.js';
import { monotonicMs } from '../clock.js';

type MainInit = Extract<ServerMessage<'main'>, { name: 'init' }>['body'];

export interface MainEvents {
  init(init: MainInit): void;
  channels(list: { type: number; id: number }[]): void;
  mouseMode(current: number, supported: number): void;
  agent(connected: boolean, tokens: number): void;
}

export class MainClient extends ChannelClient {
  init?: MainInit;
  name_?: string;
  uuid?: Uint8Array;
  mouseMode = 0;
  supportedMouseModes = 0;
  agentConnected = false;
  agentTokens = 0;
  /** Server multimedia time at `mmTimeAt` (ms, monotonicMs()). */
  mmTime = 0;
  mmTimeAt = 0;
  events?: Partial<MainEvents>;
  /** Which mouse mode to ask for when the server offers it: 'client' (default), 'server', or none. */
  wantMouseMode: 'client' | 'server' | 'keep' = 'client';
  /** Speaks the agent protocol when set (the session sets it; probe does without). */
  agent?: AgentClient;

  private readonly handlers: HandlerTable<'main'> = {
    init: (b) => {
      this.init = b;
      this.mouseMode = b.current_mouse_mode;
      this.supportedMouseModes = b.supported_mouse_modes;
      this.agentConnected = b.agent_connected !== 0;
      this.agentTokens = b.agent_tokens;
      this.setMmTime(b.multi_media_time);
      this.channel.send({ name: 'attach_channels', body: {} });
      this.agent?.setTokens(b.agent_tokens);
      if (b.agent_connected) this.agent?.agentConnected();
      this.events?.init?.(b);
      this.maybeRequestMouseMode();
    },
    name: (b) => { this.name_ = cString(b.name); },
    uuid: (b) => { this.uuid = b.uuid; },
    channels_list: (b) => {
      if (!this.init) throw new SpiceError(ErrorCode.INCONSISTENT, 'CHANNELS_LIST came before MAIN_INIT');
      this.events?.channels?.(b.channels.map((c) => ({ type: c.type, id: c.id })));
    },
    mouse_mode: (b) => {
      this.mouseMode = b.current_mode;
      this.supportedMouseModes = b.supported_modes;
      this.events?.mouseMode?.(b.current_mode, b.supported_modes);
      this.maybeRequestMouseMode();
    },
    multi_media_time: (b) => { this.setMmTime(b.time); },
    agent_connected: () => { this.agentConnected = true; this.agent?.agentConnected(); this.events?.agent?.(true, this.agentTokens); },
    agent_connected_tokens: (b) => {
      this.agentConnected = true;
      this.agentTokens = b.num_tokens;
      this.agent?.setTokens(b.num_tokens);
      this.agent?.agentConnected();
      this.events?.agent?.(true, b.num_tokens);
    },
    agent_disconnected: () => { this.agentConnected = false; this.agent?.agentDisconnected(); this.events?.agent?.(false, 0); },
    agent_token: (b) => { this.agentTokens += b.num_tokens; this.agent?.addTokens(b.num_tokens); },
    agent_data: (b) => { this.agent?.receive(b.data); },
  };

  protected override onClose(): void {
    this.agent?.dispose();
  }

  protected handler(name: string) {
    return this.handlers[name as keyof HandlerTable<'main'>] as ((body: never) => void) | undefined;
  }

  /** The server's multimedia clock now (ms), for stream frame timing. */
  mmTimeNow(): number {
    return (this.mmTime + (monotonicMs() - this.mmTimeAt)) >>> 0;
  }

  requestMouseMode(mode: 'client' | 'server'): void {
    this.channel.send({ name: 'mouse_mode_request', body: { mode: mode === 'client' ? MouseMode.CLIENT : MouseMode.SERVER } });
  }

  private setMmTime(t: number): void {
    this.mmTime = t;
    this.mmTimeAt = monotonicMs();
  }

  private maybeRequestMouseMode(): void {
    if (this.wantMouseMode === 'keep') return;
    const want = this.wantMouseMode === 'client' ? MouseMode.CLIENT : MouseMode.SERVER;
    if (this.mouseMode !== want && (this.supportedMouseModes & want)) this.requestMouseMode(this.wantMouseMode);
  }
}

export function cString(b: Uint8Array): string {
  const nul = b.indexOf(0);
  return new TextDecoder().decode(nul >= 0 ? b.subarray(0, nul) : b);
}
