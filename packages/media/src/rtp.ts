import type dgram from 'node:dgram';
import { GwsimError } from '@gwsim/common';
import { isRtcpPacket } from './rtcp.ts';
import { bindUdp } from './udp-bind.ts';
import { ipv4ToNumber, numberToIpv4, UdpBatchSocket } from './udp-batch.ts';

function openBatch(address: string): UdpBatchSocket {
  try {
    return UdpBatchSocket.open(address);
  } catch (err) {
    throw new GwsimError('GWSIM_ERR_TRANSPORT', `cannot bind RTP on ${address}: ${(err as Error).message}`, { cause: err });
  }
}

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

/** How an RtpPort reads and writes its socket. */
export interface RtpPortOptions {
  /**
   * Batched UDP I/O (UdpBatchSocket: recvmmsg/sendmmsg through the native addon) when it is available, else
   * node:dgram. With it a received datagram handed to `onRaw`/`onRtcp`/`onPacket` is valid only until the
   * listener returns (copy what you keep), and the RemoteInfo object is reused across datagrams.
   */
  readonly batchedIo?: boolean;
}

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
  readonly #socket: dgram.Socket | null;
  readonly #batch: UdpBatchSocket | null;
  #toAddress = '';
  #toIp = -1;
  #closed = false;
  #seq = Math.floor(Math.random() * 0xffff);
  #ts = Math.floor(Math.random() * 0xffffffff);
  readonly ssrc = Math.floor(Math.random() * 0xffffffff) >>> 0;
  #onPacket: ((header: RtpHeader, payload: Buffer) => void) | null = null;
  #onRaw: RawPacketListener | null = null;
  #onRtcp: RawPacketListener | null = null;

  private constructor(socket: dgram.Socket | UdpBatchSocket, address: string, port: number) {
    this.address = address;
    this.port = port;
    if (socket instanceof UdpBatchSocket) {
      this.#socket = null;
      this.#batch = socket;
      // one RemoteInfo for every datagram; its address string is made only when the source changes
      const from: dgram.RemoteInfo = { address: '', family: 'IPv4', port: 0, size: 0 };
      let fromIp = -1;
      socket.onMessage((msg, ip, fromPort) => {
        if (ip !== fromIp) {
          fromIp = ip;
          from.address = numberToIpv4(ip);
        }
        from.port = fromPort;
        from.size = msg.length;
        this.#receive(msg, from);
      });
    } else {
      this.#socket = socket;
      this.#batch = null;
      socket.on('message', (msg, rinfo) => this.#receive(msg, rinfo));
      socket.on('error', () => {});
    }
  }

  /** Bind an even port on `address` (tries a few times: the kernel hands out odd ports too). */
  static async open(address: string, options: RtpPortOptions = {}): Promise<RtpPort> {
    const batched = options.batchedIo === true && UdpBatchSocket.available && ipv4ToNumber(address) >= 0;
    for (let attempt = 0; attempt < 20; attempt++) {
      const socket = batched ? openBatch(address) : await bindUdp(address, 'RTP');
      const port = socket instanceof UdpBatchSocket ? socket.port : socket.address().port;
      if (port % 2 === 0 || attempt === 19) return new RtpPort(socket, address, port);
      socket.close();
    }
    throw new GwsimError('GWSIM_ERR_TRANSPORT', 'unreachable');
  }

  /** Whether this port reads and writes with batched UDP I/O (see RtpPortOptions). */
  get batchedIo(): boolean {
    return this.#batch !== null;
  }

  #receive(msg: Buffer, rinfo: dgram.RemoteInfo): void {
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
  }

  #write(packet: Buffer, length: number, to: { address: string; port: number }): void {
    if (this.#batch === null) {
      this.#socket!.send(packet, 0, length, to.port, to.address);
      return;
    }
    if (to.address !== this.#toAddress) {
      // a port sends to one peer, almost always: its address is parsed once
      this.#toAddress = to.address;
      this.#toIp = ipv4ToNumber(to.address);
    }
    this.#batch.send(packet, 0, length, this.#toIp, to.port);
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
   * no sequence/timestamp of this port's own. dgram sends on the next tick, so the buffer must not be
   * rewritten in the same synchronous run (a received datagram forwarded in place is always safe); batched
   * I/O copies it at once.
   */
  sendRaw(to: { address: string; port: number }, packet: Buffer, length = packet.length): void {
    if (this.#closed) return;
    this.stats.packetsOut++;
    this.stats.bytesOut += length;
    this.#write(packet, length, to);
  }

  /** Send a serialized RTCP (compound) packet on this port (rtcp-mux). */
  sendRtcp(to: { address: string; port: number }, packet: Buffer, length = packet.length): void {
    if (this.#closed) return;
    this.stats.rtcpPacketsOut++;
    this.stats.rtcpBytesOut += length;
    this.#write(packet, length, to);
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
    this.#write(packet, packet.length, to);
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    if (this.#batch !== null) {
      this.#batch.close();
      return Promise.resolve();
    }
    const socket = this.#socket!;
    return new Promise((resolve) => socket.close(() => resolve()));
  }
}
