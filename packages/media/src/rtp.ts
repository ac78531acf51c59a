import type dgram from 'node:dgram';
import { GwsimError } from '@gwsim/common';
import { isRtcpPacket } from './rtcp.ts';
import { bindUdp } from './udp-bind.ts';

/** RFC 3550 §5.1 fixed header fields (no CSRC list, no extension on the send side). */
export interface RtpHeader {
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  marker: boolean;
}

export const RTP_HEADER_BYTES = 12;

/** Write a 12-byte RTP header into `buf` (reused across packets: no per-packet allocation). */
export function writeRtpHeader(buf: Buffer, h: RtpHeader): void {
  buf[0] = 0x80; // V=2, P=0, X=0, CC=0
  buf[1] = (h.marker ? 0x80 : 0) | (h.payloadType & 0x7f);
  buf.writeUInt16BE(h.sequenceNumber & 0xffff, 2);
  buf.writeUInt32BE(h.timestamp >>> 0, 4);
  buf.writeUInt32BE(h.ssrc >>> 0, 8);
}

/** `writeRtpHeader` with the fields as arguments: nothing allocated per packet (sources, forwarding). */
export function writeRtpHeaderFields(buf: Buffer, payloadType: number, sequenceNumber: number, timestamp: number, ssrc: number, marker: boolean): void {
  buf[0] = 0x80;
  buf[1] = (marker ? 0x80 : 0) | (payloadType & 0x7f);
  buf.writeUInt16BE(sequenceNumber & 0xffff, 2);
  buf.writeUInt32BE(timestamp >>> 0, 4);
  buf.writeUInt32BE(ssrc >>> 0, 8);
}

/**
 * Offset of the payload of an RTP v2 datagram (after CSRCs and a header extension), or -1 when it is not
 * one; the allocation-free counterpart of `readRtpHeader`. RTP padding (P bit) is not removed.
 */
export function rtpPayloadOffset(buf: Buffer): number {
  if (buf.length < RTP_HEADER_BYTES || buf[0]! >> 6 !== 2) return -1;
  let offset = RTP_HEADER_BYTES + (buf[0]! & 0x0f) * 4;
  if (buf[0]! & 0x10) {
    if (buf.length < offset + 4) return -1;
    offset += 4 + buf.readUInt16BE(offset + 2) * 4;
  }
  return offset > buf.length ? -1 : offset;
}

/** Read an RTP header, or null when the datagram is not RTP version 2 or is too short (RFC 3550 §A.1). */
export function readRtpHeader(buf: Buffer): (RtpHeader & { payloadOffset: number }) | null {
  if (buf.length < RTP_HEADER_BYTES || buf[0]! >> 6 !== 2) return null;
  const cc = buf[0]! & 0x0f;
  let offset = RTP_HEADER_BYTES + cc * 4;
  if (buf[0]! & 0x10) {
    if (buf.length < offset + 4) return null;
    offset += 4 + buf.readUInt16BE(offset + 2) * 4;
  }
  if (offset > buf.length) return null;
  return { payloadType: buf[1]! & 0x7f, marker: (buf[1]! & 0x80) !== 0, sequenceNumber: buf.readUInt16BE(2), timestamp: buf.readUInt32BE(4), ssrc: buf.readUInt32BE(8), payloadOffset: offset };
}

export interface RtpStats {
  packetsIn: number;
  bytesIn: number;
  packetsOut: number;
  bytesOut: number;
  /** Datagrams that were not RTP v2 (nor RTCP). */
  invalidIn: number;
  /** RTCP received on this port (rtcp-mux, RFC 5761) and sent with `sendRaw`/`sendRtcp`; not in the RTP counts. */
  rtcpPacketsIn: number;
  rtcpBytesIn: number;
  rtcpPacketsOut: number;
  rtcpBytesOut: number;
  lastSource: { address: string; port: number } | null;
}

/** Receives a whole datagram (header included) and where it came from; the buffer may be rewritten and sent on. */
export type RawPacketListener = (packet: Buffer, from: dgram.RemoteInfo) => void;

/**
 * One RTP port: a UDP socket on an even port (RFC 3550 §11), counting what it receives and sending RTP
 * with a running sequence number and timestamp. RTCP multiplexed on the port (RFC 5761) is told apart and
 * counted separately. `onRaw` + `sendRaw` are the allocation-free path for forwarding and for sources that
 * write whole packets.
 */
export class RtpPort {
  readonly address: string;
  readonly port: number;
  readonly stats: RtpStats = {
    packetsIn: 0, bytesIn: 0, packetsOut: 0, bytesOut: 0, invalidIn: 0,
    rtcpPacketsIn: 0, rtcpBytesIn: 0, rtcpPacketsOut: 0, rtcpBytesOut: 0, lastSource: null,
  };
  #socket: dgram.Socket;
  #closed = false;
  #seq = Math.floor(Math.random() * 0xffff);
  #ts = Math.floor(Math.random() * 0xffffffff);
  readonly ssrc = Math.floor(Math.random() * 0xffffffff) >>> 0;
  #onPacket: ((header: RtpHeader, payload: Buffer) => void) | null = null;
  #onRaw: RawPacketListener | null = null;
  #onRtcp: RawPacketListener | null = null;

  private constructor(socket: dgram.Socket, address: string, port: number) {
    this.#socket = socket;
    this.address = address;
    this.port = port;
    socket.on('message', (msg, rinfo) => {
      if (isRtcpPacket(msg)) {
        this.stats.rtcpPacketsIn++;
        this.stats.rtcpBytesIn += msg.length;
        this.#onRtcp?.(msg, rinfo);
        return;
      }
      const offset = rtpPayloadOffset(msg);
      if (offset < 0) {
        this.stats.invalidIn++;
        return;
      }
      this.stats.packetsIn++;
      this.stats.bytesIn += msg.length;
      const last = this.stats.lastSource;
      // a new object only when the source changes: nothing allocated per packet
      if (last === null || last.port !== rinfo.port || last.address !== rinfo.address) this.stats.lastSource = { address: rinfo.address, port: rinfo.port };
      this.#onRaw?.(msg, rinfo);
      if (this.#onPacket) {
        const h = readRtpHeader(msg);
        if (h) this.#onPacket(h, msg.subarray(h.payloadOffset));
      }
    });
    socket.on('error', () => {});
  }

  /** Bind an even port on `address` (tries a few times: the kernel hands out odd ports too). */
  static async open(address: string): Promise<RtpPort> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const socket = await bindUdp(address, 'RTP');
      const { port } = socket.address();
      if (port % 2 === 0 || attempt === 19) return new RtpPort(socket, address, port);
      socket.close();
    }
    throw new GwsimError('GWSIM_ERR_TRANSPORT', 'unreachable');
  }

  get closed(): boolean {
    return this.#closed;
  }

  onPacket(fn: ((header: RtpHeader, payload: Buffer) => void) | null): void {
    this.#onPacket = fn;
  }

  /** Every RTP datagram, whole, before `onPacket` (null removes the listener). */
  onRaw(fn: RawPacketListener | null): void {
    this.#onRaw = fn;
  }

  /** RTCP datagrams multiplexed on this port (RFC 5761 demultiplexing; null removes the listener). */
  onRtcp(fn: RawPacketListener | null): void {
    this.#onRtcp = fn;
  }

  /**
   * Send the first `length` bytes of a ready-made RTP packet (header written by the caller) as they are:
   * no copy, no sequence/timestamp of this port's own. dgram sends on the next tick, so the buffer must not
   * be rewritten in the same synchronous run (a received datagram forwarded in place is always safe).
   */
  sendRaw(to: { address: string; port: number }, packet: Buffer, length = packet.length): void {
    if (this.#closed) return;
    this.stats.packetsOut++;
    this.stats.bytesOut += length;
    this.#socket.send(packet, 0, length, to.port, to.address);
  }

  /** Send a serialized RTCP (compound) packet on this port (rtcp-mux). */
  sendRtcp(to: { address: string; port: number }, packet: Buffer, length = packet.length): void {
    if (this.#closed) return;
    this.stats.rtcpPacketsOut++;
    this.stats.rtcpBytesOut += length;
    this.#socket.send(packet, 0, length, to.port, to.address);
  }

  /**
   * Send one RTP packet; `timestampStep` is added to the timestamp after sending (160 for 20 ms PCMU; 0 while
   * the packets of one RFC 4733 event share a timestamp).
   */
  send(to: { address: string; port: number }, payloadType: number, payload: Buffer, timestampStep: number, marker = false): void {
    if (this.#closed) return;
    const packet = Buffer.allocUnsafe(RTP_HEADER_BYTES + payload.length);
    writeRtpHeader(packet, { payloadType, sequenceNumber: this.#seq, timestamp: this.#ts, ssrc: this.ssrc, marker });
    payload.copy(packet, RTP_HEADER_BYTES);
    this.#seq = (this.#seq + 1) & 0xffff;
    this.#ts = (this.#ts + timestampStep) >>> 0;
    this.stats.packetsOut++;
    this.stats.bytesOut += packet.length;
    this.#socket.send(packet, to.port, to.address);
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }
}
