/**
 * A viewer's main channel: MAIN_INIT with the session id and mouse modes, the channel
 * list once the viewer attaches, mouse-mode switches, and the agent stream (the server
 * answers the agent messages itself: see agent.ts).
 */
import { ChannelType, MainCap, MouseMode } from '../../protocol/enums/index.js';
import { ServerChannelBase, type ServerHandler } from './base.js';

export class ServerMain extends ServerChannelBase {
  protected readonly handlers: Record<string, ServerHandler> = {
    attach_channels: () => this.sendChannels(),
    mouse_mode_request: (b) => this.viewer.setMouseMode(b.mode as number),
    agent_start: (b) => this.viewer.agent.start(b.num_tokens as number),
    agent_data: (b) => this.viewer.agent.receive(b.data as Uint8Array),
    agent_token: (b) => this.viewer.agent.tokens(b.num_tokens as number),
  };

  sendInit(): void {
    const server = this.viewer.server;
    this.send('init', {
      session_id: this.viewer.id,
      display_channels_hint: 1,
      supported_mouse_modes: MouseMode.SERVER | MouseMode.CLIENT,
      current_mouse_mode: this.viewer.mouseMode,
      agent_connected: 1,
      agent_tokens: this.viewer.agent.serverTokens,
      multi_media_time: Date.now() >>> 0,
      ram_hint: 0,
    });
    if (this.clientCaps.has(MainCap.NAME_AND_UUID)) {
      const name = server.options.name;
      if (name !== undefined) {
        const bytes = new TextEncoder().encode(`${name}\0`);
        this.send('name', { name_len: bytes.length, name: bytes });
      }
      if (server.options.uuid?.length === 16) this.send('uuid', { uuid: server.options.uuid });
    }
  }

  private sendChannels(): void {
    const channels = [ChannelType.DISPLAY, ChannelType.INPUTS, ChannelType.CURSOR].map((type) => ({ type, id: 0 }));
    this.send('channels_list', { num_of_channels: channels.length, channels });
  }

  sendMouseMode(mode: number): void {
    this.send('mouse_mode', { supported_modes: MouseMode.SERVER | MouseMode.CLIENT, current_mode: mode });
  }
}
