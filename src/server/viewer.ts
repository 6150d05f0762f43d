/**
 * One viewer (one SPICE client session): its main channel, and the display, inputs and
 * cursor channels that join with its session id. Any channel failing with bad input
 * closes the whole viewer with a logged, coded reason; other viewers are not touched.
 */
import type { SpiceChannel } from '../channel/channel.js';
import type { ServerLinkResult } from '../channel/link-server.js';
import { ChannelType, MouseMode } from '../protocol/enums/index.js';
import type { SpiceError } from '../protocol/errors.js';
import type { Transport } from '../transports/transport.js';
import { Emitter } from '../channel/emitter.js';
import { ServerAgent } from './agent.js';
import { ServerMain } from './channels/main.js';
import { ServerDisplay } from './channels/display.js';
import { ServerInputs } from './channels/inputs.js';
import { ServerCursor } from './channels/cursor.js';
import type { SpiceServer } from './server.js';

export class Viewer extends Emitter<{ closed: { reason?: SpiceError } }> {
  readonly main: ServerMain;
  display?: ServerDisplay;
  inputs?: ServerInputs;
  cursor?: ServerCursor;
  readonly agent: ServerAgent;
  mouseMode: number;
  private closing = false;

  constructor(readonly server: SpiceServer, readonly id: number, channel: SpiceChannel, readonly transport: Transport,
    link: ServerLinkResult) {
    super();
    this.mouseMode = server.settings.mouseMode === 'server' ? MouseMode.SERVER : MouseMode.CLIENT;
    this.agent = new ServerAgent({
      sendMain: (name, body) => this.main.send(name, body),
      resize: (w, h) => { if (server.inputAllowed(this)) server.source.resizeRequest?.(w, h); },
      setClipboard: (text) => { if (server.inputAllowed(this)) server.clipboardFromViewer(this, text); },
      clipboardText: () => server.clipboardText,
      log: (line) => server.log(`viewer ${id}: ${line}`),
    });
    this.main = new ServerMain(this, channel, transport, link);
    channel.on('closed', ({ error }) => this.close(error));
  }

  get peer(): string {
    return this.transport.description;
  }

  /** The source is running: greet the viewer. */
  start(): void {
    if (this.closing) return;
    this.main.sendInit();
    if (this.server.clipboardText !== null) this.agent.sourceClipboardChanged(this.server.clipboardText);
  }

  attach(channel: SpiceChannel, transport: Transport, link: ServerLinkResult): void {
    if (this.closing) { channel.close(); return; }
    switch (link.mess.channelType) {
      case ChannelType.DISPLAY:
        this.display?.close();
        this.display = new ServerDisplay(this, channel, transport, link);
        break;
      case ChannelType.INPUTS:
        this.inputs?.close();
        this.inputs = new ServerInputs(this, channel, transport, link);
        break;
      case ChannelType.CURSOR:
        this.cursor?.close();
        this.cursor = new ServerCursor(this, channel, transport, link);
        break;
      default:
        channel.close();
    }
  }

  setMouseMode(mode: number): void {
    if (mode !== MouseMode.SERVER && mode !== MouseMode.CLIENT) return;
    this.mouseMode = mode;
    this.main.sendMouseMode(mode);
    this.server.mouseModesChanged();
  }

  /** The source's clipboard holds new text. */
  sourceClipboard(text: string | null): void {
    this.agent.sourceClipboardChanged(text);
  }

  /** Ends the viewer: every channel is closed; `reason` is logged. */
  close(reason?: SpiceError): void {
    if (this.closing) return;
    this.closing = true;
    for (const c of [this.display, this.inputs, this.cursor, this.main]) c?.close();
    this.emit('closed', { reason });
  }
}
