/**
 * The protocol: every channel type with its message tables (both
 * directions) and its capability names. Typed messages are derived here.
 */
import {
  ChannelType, CursorCap, DisplayCap, InputsCap, MainCap, PlaybackCap, RecordCap, SpicevmcCap, enumOf,
  type EnumDef,
} from '../enums/index.js';
import { table, type MessageOf, type MessageTable } from './define.js';
import { baseClient, baseServer } from './base.js';
import { mainClient, mainServer } from './main.js';
import { displayClient, displayServer } from './display.js';
import { inputsClient, inputsServer } from './inputs.js';
import { cursorClient, cursorServer } from './cursor.js';
import { playbackClient, playbackServer, recordClient, recordServer } from './audio.js';
import { portClient, portServer, smartcardClient, smartcardServer, spicevmcClient, spicevmcServer } from './vmc.js';

const mainS = { ...baseServer, ...mainServer } as const;
const mainC = { ...baseClient, ...mainClient } as const;
const displayS = { ...baseServer, ...displayServer } as const;
const displayC = { ...baseClient, ...displayClient } as const;
const inputsS = { ...baseServer, ...inputsServer } as const;
const inputsC = { ...baseClient, ...inputsClient } as const;
const cursorS = { ...baseServer, ...cursorServer } as const;
const cursorC = { ...baseClient, ...cursorClient } as const;
const playbackS = { ...baseServer, ...playbackServer } as const;
const playbackC = { ...baseClient, ...playbackClient } as const;
const recordS = { ...baseServer, ...recordServer } as const;
const recordC = { ...baseClient, ...recordClient } as const;
const smartcardS = { ...baseServer, ...smartcardServer } as const;
const smartcardC = { ...baseClient, ...smartcardClient } as const;
const vmcS = { ...baseServer, ...spicevmcServer } as const;
const vmcC = { ...baseClient, ...spicevmcClient } as const;
const portS = { ...baseServer, ...portServer } as const;
const portC = { ...baseClient, ...portClient } as const;
const tunnelS = { ...baseServer } as const;
const tunnelC = { ...baseClient } as const;

export interface ChannelDef<S extends MessageTable = MessageTable, C extends MessageTable = MessageTable> {
  readonly name: ChannelName;
  readonly type: number;
  /** Messages the server sends. */
  readonly server: S;
  /** Messages the client sends. */
  readonly client: C;
  /** Channel capability names (the common ones are CommonCap). */
  readonly caps: EnumDef;
}

function def<S extends MessageTable, C extends MessageTable>(name: ChannelName, type: number, server: S, client: C, caps: EnumDef): ChannelDef<S, C> {
  return Object.freeze({ name, type, server, client, caps });
}

export type ChannelName =
  | 'main' | 'display' | 'inputs' | 'cursor' | 'playback' | 'record'
  | 'tunnel' | 'smartcard' | 'usbredir' | 'port' | 'webdav';

const NoCaps = enumOf('no_caps', {});

export const channels = {
  main: def('main', ChannelType.MAIN, table(mainS), table(mainC), MainCap),
  display: def('display', ChannelType.DISPLAY, table(displayS), table(displayC), DisplayCap),
  inputs: def('inputs', ChannelType.INPUTS, table(inputsS), table(inputsC), InputsCap),
  cursor: def('cursor', ChannelType.CURSOR, table(cursorS), table(cursorC), CursorCap),
  playback: def('playback', ChannelType.PLAYBACK, table(playbackS), table(playbackC), PlaybackCap),
  record: def('record', ChannelType.RECORD, table(recordS), table(recordC), RecordCap),
  tunnel: def('tunnel', ChannelType.TUNNEL, table(tunnelS), table(tunnelC), NoCaps),
  smartcard: def('smartcard', ChannelType.SMARTCARD, table(smartcardS), table(smartcardC), NoCaps),
  usbredir: def('usbredir', ChannelType.USBREDIR, table(vmcS), table(vmcC), SpicevmcCap),
  port: def('port', ChannelType.PORT, table(portS), table(portC), SpicevmcCap),
  webdav: def('webdav', ChannelType.WEBDAV, table(portS), table(portC), SpicevmcCap),
} as const;

type Channels = typeof channels;

/** A message the server sends on channel C: a union discriminated by `name`. */
export type ServerMessage<C extends ChannelName> = Channels[C]['server'] extends MessageTable<infer S> ? MessageOf<S> : never;
/** A message the client sends on channel C. */
export type ClientMessage<C extends ChannelName> = Channels[C]['client'] extends MessageTable<infer S> ? MessageOf<S> : never;

const byType = new Map<number, ChannelDef>(Object.values(channels).map((c) => [c.type, c as ChannelDef]));

/** The channel definition for a numeric channel type, or undefined. */
export function channelByType(type: number): ChannelDef | undefined {
  return byType.get(type);
}

/** Channel name for a type number ('unknown-N' when SPICE defines none). */
export function channelName(type: number): string {
  return byType.get(type)?.name ?? `unknown-${type}`;
}
