import type dgram from 'node:dgram';
import { GwsimError } from '@gwsim/common';
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
  /** Datagrams that were not RTP v2. */
  invalidIn: number;
  lastSource: { address: string; port: number } | null;
}

/**
 * One RTP port: a UDP socket on an even port (RFC 3550 §11), counting what it receives and sending RTP
 * with a running sequence number and timestamp.
 */
export class RtpPort {
  readonly address: string;
  readonly port: number;
  readonly stats: RtpStats = { packetsIn: 0, bytesIn: 0, packetsOut: 0, bytesOut: 0, invalidIn: 0, lastSource: null };
  #socket: dgram.Socket;
  #closed = false;
  #seq = Math.floor(Math.random() * 0xffff);
  #ts = Math.floor(Math.random() * 0xffffffff);
  readonly ssrc = Math.floor(Math.random() * 0xffffffff) >>> 0;
  #onPacket: ((header: RtpHeader, payload: Buffer) => void) | null = null;

  private constructor(socket: dgram.Socket, address: string, port: number) {
    this.#socket = socket;
    this.address = address;
    this.port = port;
    socket.on('message', (msg, rinfo) => {
      const h = readRtpHeader(msg);
      if (!h) {
        this.stats.invalidIn++;
        return;
      }
      this.stats.packetsIn++;
      this.stats.bytesIn += msg.length;
      this.stats.lastSource = { address: rinfo.address, port: rinfo.port };
      this.#onPacket?.(h, msg.subarray(h.payloadOffset));
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
