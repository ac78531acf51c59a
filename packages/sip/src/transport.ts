import diagnosticsChannel from 'node:diagnostics_channel';
import type { TypedEmitter } from '@gwsim/common';
import type { ConnectionDump } from './connection-pool.ts';
import type { SipMessage } from './message.ts';

export type TransportProtocol = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

export interface TransportAddress {
  address: string;
  port: number;
}

export type TransportEvents = {
  /** A well-formed message arrived. */
  message: [msg: SipMessage, from: TransportAddress, raw: Buffer];
  /** Bytes arrived that do not parse; the UA decides whether a 400 can be sent. */
  malformed: [error: Error, raw: Buffer, from: TransportAddress];
  /** A socket-level error that did not close the transport. */
  error: [error: Error];
};

/**
 * What the transaction layer needs from a transport (RFC 3261 §18). Tests and fault injection wrap it.
 */
export interface Transport extends TypedEmitter<TransportEvents> {
  readonly protocol: TransportProtocol;
  /** Reliable transports disable retransmission timers A, E, G and shorten D, J, K, I. */
  readonly reliable: boolean;
  readonly local: TransportAddress;
  readonly closed: boolean;
  send(data: Buffer, to: TransportAddress): Promise<void>;
  close(): Promise<void>;
  /** Plain snapshot for tests and `/status` (optional so that test fakes need not implement it). */
  dump?(): TransportDump;
}

/** What `dump()` returns: the listening address and, for connection-oriented transports, every connection. */
export interface TransportDump {
  protocol: TransportProtocol;
  local: TransportAddress;
  closed: boolean;
  connections: ConnectionDump[];
  /** Member transports of a TransportSet. */
  members?: TransportDump[];
}

/** One message on the wire, as published on the trace channel. */
export interface SipTraceRecord {
  time: number;
  direction: 'in' | 'out';
  transport: TransportProtocol;
  local: TransportAddress;
  remote: TransportAddress;
  raw: Buffer;
}

/**
 * Every message sent or received is published here. Ladders, pcap export and repro bundles subscribe;
 * with no subscriber, publishing costs one property check (undici-style observation).
 */
export const sipTraceChannel = diagnosticsChannel.channel('gwsim:sip:message');

export function traceMessage(direction: 'in' | 'out', transport: TransportProtocol, local: TransportAddress, remote: TransportAddress, raw: Buffer): void {
  if (!sipTraceChannel.hasSubscribers) return;
  const record: SipTraceRecord = { time: Date.now(), direction, transport, local, remote, raw };
  sipTraceChannel.publish(record);
}
