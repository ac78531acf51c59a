/**
 * RtpDataPlane: the RTP path of a connected werift PeerConnection, taken off werift once DTLS is up.
 *
 * werift keeps everything but the RTP packets: ICE (connectivity checks, consent), DTLS, RTCP (its senders'
 * reports, fed with our counters) and the first packet of every incoming SSRC (its router knows which
 * transceiver an SSRC belongs to; the track that receives it tells us, `learn`). From then on a received
 * SRTP packet of a known SSRC is authenticated and decrypted in place by our SrtpContext and handed to its
 * track as an RtpView, and a sent packet is framed from a per-track header template and protected straight
 * onto the ICE pair's UDP socket: no RtpPacket objects, no promises, no Buffer.concat per packet
 * (ARCHITECTURE.md: werift's own path costs ~25 µs per packet operation).
 *
 * Packets look as werift's would on the wire: this side's SSRC and payload type, werift's random sequence
 * and timestamp offsets, and the MID header extension (RFC 8843) when negotiated. What it does not do:
 * transport-wide congestion control and abs-send-time extensions, RTX/NACK retransmission history, RED.
 *
 * RTCP (AEAD_AES_128_GCM with the fast path's addon): the plane sends its own sender and receiver reports, from
 * statistics it keeps per packet, for every plane of the thread on one shared timer (plane-rtcp.ts), and stops
 * werift's per-transceiver report loops; it reads received reports itself (LSR/DLSR, round-trip time, the far
 * end's loss and jitter) and hands feedback (NACK, PLI, FIR, REMB) to werift's RTCP router. What werift still
 * sends itself (e.g. a PLI it is asked for) is protected and written by the plane too (it replaces the DTLS
 * transport's `sendRtcp`).
 *
 * Batched I/O (`batchedIo`, when the addon is available): the plane also takes the ICE socket's reading from
 * libuv (Node's handle stops reading; the addon reads the same socket, duplicated, with recvmmsg) and writes
 * its RTP with sendmmsg; datagrams that are not its RTP are copied and handed to werift as before. Closing gives
 * the reading back to Node.
 *
 * `attach` returns null when the connection is not one it can drive (ICE over TCP, an SRTP profile other than
 * AEAD_AES_128_GCM or AES_CM_128_HMAC_SHA1_80, a werift whose internals moved): werift's path stays.
 */
import type { Socket } from 'node:dgram';
import { ntpTime, RtcpPacketConverter, type RTCPeerConnection } from 'werift';
import { RTCP_RR, RTCP_SDES, RTCP_SR } from '../rtcp.ts';
import { RTP_HEADER_BYTES } from '../rtp.ts';
import type { RtpReceiverStats } from '../rtp-stats.ts';
import { ipv4ToNumber, numberToIpv4, UdpBatchSocket } from '../udp-batch.ts';
import { PlaneRtcp, reportScheduler, type RtcpSenderSource } from './plane-rtcp.ts';
import { SRTCP_NOT_ENCRYPTED, SrtcpContext } from './srtcp-context.ts';
import { SrtpContext, srtpKeyLengths, srtpProfileName } from './srtp-context.ts';

const MID_EXTENSION_URI = 'urn:ietf:params:rtp-hdrext:sdes:mid';
/** Largest packet the scratch buffer frames (a UDP datagram on loopback can be larger; RTP from us is not). */
const MAX_PACKET_BYTES = 65_507;
/**
 * How often the sender's NTP/RTP timestamp pair for werift's RTCP sender reports is refreshed: the pair describes
 * one instant (both are set together), so an older pair is still exact; werift reports about once a second.
 */
const SR_CLOCK_REFRESH_MS = 250;

/** The parts of werift's internals the data plane reads (werift 0.24.4), checked at attach time. */
interface WeriftUdpTransport {
  socket: Socket;
  onData: (data: Buffer, addr: [string, number]) => void;
}
interface WeriftPair {
  protocol: { transport?: Partial<WeriftUdpTransport> };
  remoteAddr: [string, number];
}
interface WeriftRtcpPacket {
  serialize(): Buffer;
}
interface WeriftDtlsTransport {
  srtpStarted: boolean;
  sendRtcp(packets: WeriftRtcpPacket[]): Promise<unknown>;
  onRtcp: { execute(packet: unknown): void };
  dtls?: { srtp?: { srtpProfile?: number }; extractSessionKeys(keyLength: number, saltLength: number): { localKey: Buffer; localSalt: Buffer; remoteKey: Buffer; remoteSalt: Buffer } };
  iceTransport: { connection: { nominated?: WeriftPair } };
}
/** werift's report loop switch (RTCRtpSender and RTCRtpReceiver): aborting it ends the loop for good. */
export interface WeriftRtcpLoop {
  rtcpCancel?: AbortController;
}
/** werift's RTCRtpSender fields the fast path reads or keeps current for its RTCP sender reports. */
export interface WeriftSender extends WeriftRtcpLoop {
  ssrc: number;
  cname?: string;
  codec?: { payloadType: number; clockRate?: number };
  headerExtensions?: ReadonlyArray<{ uri: string; id: number }>;
  seqOffset: number;
  timestampOffset: number;
  packetCount: number;
  octetCount: number;
  rtpTimestamp: number;
  ntpTimestamp: bigint;
  runRtcp(): Promise<void>;
}

/** Node's UDP handle behind a dgram socket (Node 20 internals), for batched I/O: its descriptor and reading switch. */
interface NodeUdpHandle {
  fd: number;
  recvStart(): number;
  recvStop(): number;
}

function nodeUdpHandle(socket: Socket): NodeUdpHandle | null {
  const state = Object.getOwnPropertySymbols(socket).find((symbol) => symbol.description === 'state symbol');
  const handle = state === undefined ? undefined : (socket as unknown as Record<symbol, { handle?: Partial<NodeUdpHandle> } | undefined>)[state]?.handle;
  if (!handle || typeof handle.fd !== 'number' || handle.fd < 0 || typeof handle.recvStart !== 'function' || typeof handle.recvStop !== 'function') return null;
  return handle as NodeUdpHandle;
}

/** The ICE socket read and written in batches (see the file comment). */
interface BatchedIce {
  readonly socket: UdpBatchSocket;
  readonly handle: NodeUdpHandle;
  readonly remoteIp: number;
}

export interface DataPlaneOptions {
  /** Read and write the ICE socket with batched UDP I/O when the addon is available (IPv4 pairs only). */
  readonly batchedIo?: boolean;
}

/** What a track gives the data plane: a sender to frame for, and where received packets go. */
export interface DataPlaneTrack {
  readonly sender: WeriftSender;
  /** werift's receiver of the same transceiver (its report loop stops when the plane reports). */
  readonly receiver: WeriftRtcpLoop;
  /** The RTP clock of what this track receives (jitter in reports). */
  readonly clockRate: number;
  readonly mid: string;
  /** @internal A received packet, decrypted in place: `length` bytes of `buffer` are the RTP packet. */
  receiveRaw(buffer: Buffer, length: number): void;
}

/** SRTCP both ways and the DTLS transport whose RTCP it carries. */
interface RtcpPath {
  readonly out: SrtcpContext;
  readonly in: SrtcpContext;
  readonly dtls: WeriftDtlsTransport;
}

/** A received SSRC's track, and its statistics when the plane reports. */
interface Inbound {
  readonly track: DataPlaneTrack;
  readonly stats: RtpReceiverStats | null;
}

/** The per-track header template and sender state. */
class Outbound implements RtcpSenderSource {
  readonly sender: WeriftSender;
  readonly header: Buffer;
  lastClock = -Infinity;
  lastTimestamp = 0;
  lastSendMs = 0;

  get ssrc(): number {
    return this.sender.ssrc >>> 0;
  }

  get clockRate(): number {
    return this.sender.codec?.clockRate ?? 90_000;
  }

  get packetCount(): number {
    return this.sender.packetCount;
  }

  get octetCount(): number {
    return this.sender.octetCount;
  }

  constructor(sender: WeriftSender, mid: string) {
    this.sender = sender;
    const ext = sender.headerExtensions?.find((e) => e.uri === MID_EXTENSION_URI);
    const midBytes = Buffer.from(mid, 'utf8');
    const useExt = ext !== undefined && ext.id >= 1 && ext.id <= 14 && midBytes.length >= 1 && midBytes.length <= 16;
    // RFC 8285 one-byte header: 0xBEDE, length in 32-bit words, element (id << 4 | len - 1), data, zero padding
    const extWords = useExt ? Math.ceil((1 + midBytes.length) / 4) : 0;
    this.header = Buffer.alloc(RTP_HEADER_BYTES + (useExt ? 4 + extWords * 4 : 0));
    this.header[0] = 0x80 | (useExt ? 0x10 : 0);
    this.header.writeUInt32BE(sender.ssrc >>> 0, 8);
    if (useExt) {
      this.header.writeUInt16BE(0xbede, 12);
      this.header.writeUInt16BE(extWords, 14);
      this.header[16] = (ext.id << 4) | (midBytes.length - 1);
      midBytes.copy(this.header, 17);
    }
  }
}

export class RtpDataPlane {
  /** RTP packets this plane protected and sent / unprotected and delivered / dropped; the same for SRTCP compounds. */
  readonly counters = { sent: 0, received: 0, dropped: 0, rtcpSent: 0, rtcpReceived: 0, rtcpDropped: 0 };
  readonly #out: SrtpContext;
  readonly #in: SrtpContext;
  /** SRTCP on the addon, or null (werift keeps SRTCP and its reports: CM profile, no addon). */
  readonly #rtcp: RtcpPath | null;
  /** The plane's own reports (with #rtcp). */
  readonly #reports: PlaneRtcp | null;
  readonly #report = (): void => this.#sendReport();
  readonly #socket: Socket;
  readonly #remotePort: number;
  readonly #remoteHost: string;
  readonly #transport: WeriftUdpTransport;
  readonly #weriftOnData: WeriftUdpTransport['onData'];
  readonly #tracks = new Map<number, Inbound>();
  readonly #outbound = new Map<DataPlaneTrack, Outbound>();
  readonly #scratch = Buffer.allocUnsafe(MAX_PACKET_BYTES);
  readonly #batched: BatchedIce | null;
  #closed = false;

  private constructor(out: SrtpContext, inbound: SrtpContext, rtcp: RtcpPath | null, transport: WeriftUdpTransport, remote: [string, number], batchedIo: boolean) {
    this.#out = out;
    this.#in = inbound;
    this.#rtcp = rtcp;
    this.#transport = transport;
    this.#socket = transport.socket;
    this.#remoteHost = remote[0];
    this.#remotePort = remote[1];
    this.#weriftOnData = transport.onData;
    transport.onData = (data, addr) => {
      if (!this.#receive(data)) this.#weriftOnData(data, addr);
    };
    this.#batched = batchedIo ? this.#batch() : null;
    // what werift still sends (feedback) calls this; an own property shadows the prototype's until close
    if (rtcp !== null) rtcp.dtls.sendRtcp = (packets) => Promise.resolve(this.#sendRtcp(rtcp, packets));
    this.#reports = rtcp === null ? null : new PlaneRtcp();
    if (this.#reports !== null) reportScheduler.add(this.#report);
  }

  /** This plane's compound report (plane-rtcp.ts), protected and sent. */
  #sendReport(): void {
    const rtcp = this.#rtcp;
    if (this.#closed || rtcp === null || this.#reports === null) return;
    const protectedPacket = rtcp.out.protect(this.#reports.report([...this.#outbound.values()]));
    this.#write(protectedPacket, protectedPacket.length);
    this.counters.rtcpSent++;
  }

  /** The plane's report statistics (null: werift reports). */
  get reports(): PlaneRtcp | null {
    return this.#reports;
  }

  /** A track of this peer: when the plane reports, werift's report loops of its transceiver stop. */
  take(track: DataPlaneTrack): void {
    if (this.#reports === null) return;
    this.#reports.useCname(track.sender.cname); // the CNAME werift put in the SDP's a=ssrc lines
    track.sender.rtcpCancel?.abort();
    track.receiver.rtcpCancel?.abort();
  }

  #sendRtcp(rtcp: RtcpPath, packets: WeriftRtcpPacket[]): void {
    if (this.#closed || packets.length === 0) return;
    const compound = packets.length === 1 ? packets[0]!.serialize() : Buffer.concat(packets.map((p) => p.serialize()));
    const protectedPacket = rtcp.out.protect(compound);
    this.#write(protectedPacket, protectedPacket.length);
    this.counters.rtcpSent++;
  }

  /** One datagram to the ICE pair's remote: queued in the batch (copied at once) or sent by dgram (later). */
  #write(datagram: Buffer, length: number): void {
    const batched = this.#batched;
    if (batched !== null) batched.socket.send(datagram, 0, length, batched.remoteIp, this.#remotePort);
    else this.#socket.send(datagram, 0, length, this.#remotePort, this.#remoteHost);
  }

  /** A received SRTCP compound: unprotected here, its reports handed to werift's RTCP router. False: werift's. */
  #receiveRtcp(rtcp: RtcpPath, data: Buffer): boolean {
    const length = rtcp.in.unprotect(data);
    if (length === SRTCP_NOT_ENCRYPTED) return false;
    if (length < 0) {
      this.counters.rtcpDropped++;
      return true;
    }
    const reports = this.#reports;
    // the plane reads the reports when it makes its own; werift gets the rest (when werift reports, everything)
    const forWerift = reports === null ? true : reports.read(data.subarray(0, length));
    if (forWerift === null) {
      this.counters.rtcpDropped++;
      return true;
    }
    let packets: Array<{ type?: number }> = [];
    if (forWerift) {
      try {
        // a copy: werift's packet objects may keep views of their bytes, and `data` may be the shared receive area
        packets = RtcpPacketConverter.deSerialize(Buffer.from(data.subarray(0, length))) as Array<{ type?: number }>;
      } catch {
        if (reports === null) {
          this.counters.rtcpDropped++;
          return true;
        }
      }
    }
    this.counters.rtcpReceived++;
    for (const packet of packets) {
      if (reports !== null && (packet.type === RTCP_SR || packet.type === RTCP_RR || packet.type === RTCP_SDES)) continue;
      try {
        rtcp.dtls.onRtcp.execute(packet);
      } catch {
        // werift's own path logs and goes on to the next report
      }
    }
    return true;
  }

  /** Take the ICE socket's reading and RTP writing into batches, or null when this pair cannot. */
  #batch(): BatchedIce | null {
    const remoteIp = ipv4ToNumber(this.#remoteHost);
    const handle = nodeUdpHandle(this.#socket);
    if (!UdpBatchSocket.available || remoteIp < 0 || handle === null) return null;
    let socket: UdpBatchSocket;
    try {
      socket = UdpBatchSocket.adopt(handle.fd);
    } catch {
      return null;
    }
    handle.recvStop();
    socket.onMessage((data, ip, port) => {
      // werift may keep what it is given (DTLS, STUN): it gets a copy of the shared receive area
      if (!this.#receive(data)) this.#weriftOnData(Buffer.from(data), [numberToIpv4(ip), port]);
    });
    return { socket, handle, remoteIp };
  }

  /** Whether SRTCP goes through this plane (AEAD_AES_128_GCM with the addon). */
  get srtcp(): boolean {
    return this.#rtcp !== null;
  }

  /** Whether RTP and the ICE socket's reading go through batched UDP I/O. */
  get batchedIo(): boolean {
    return this.#batched !== null;
  }

  /** Take over the RTP path of a connected peer connection, or null when it cannot (see the file comment). */
  static attach(pc: RTCPeerConnection, options: DataPlaneOptions = {}): RtpDataPlane | null {
    const dtlsTransport = (pc as unknown as { dtlsTransports: WeriftDtlsTransport[] }).dtlsTransports?.[0];
    const dtls = dtlsTransport?.dtls;
    const profile = srtpProfileName(dtls?.srtp?.srtpProfile ?? -1);
    const pair = dtlsTransport?.iceTransport?.connection?.nominated;
    const transport = pair?.protocol?.transport;
    if (!dtlsTransport?.srtpStarted || !dtls || !profile || !pair || !transport?.socket || typeof transport.onData !== 'function' || !Array.isArray(pair.remoteAddr)) return null;
    const { key, salt } = srtpKeyLengths(profile);
    const keys = dtls.extractSessionKeys(key, salt);
    const out = new SrtpContext(profile, { masterKey: keys.localKey, masterSalt: keys.localSalt });
    const inbound = new SrtpContext(profile, { masterKey: keys.remoteKey, masterSalt: keys.remoteSalt });
    let rtcp: RtcpPath | null = null;
    if (profile === 'AEAD_AES_128_GCM' && typeof dtlsTransport.sendRtcp === 'function' && typeof dtlsTransport.onRtcp?.execute === 'function') {
      const rtcpOut = SrtcpContext.create({ masterKey: keys.localKey, masterSalt: keys.localSalt });
      const rtcpIn = SrtcpContext.create({ masterKey: keys.remoteKey, masterSalt: keys.remoteSalt });
      if (rtcpOut !== null && rtcpIn !== null) rtcp = { out: rtcpOut, in: rtcpIn, dtls: dtlsTransport };
    }
    return new RtpDataPlane(out, inbound, rtcp, transport as WeriftUdpTransport, pair.remoteAddr, options.batchedIo === true);
  }

  get profile(): string {
    return this.#out.profile;
  }

  /** Route later packets of `ssrc` to `track` (werift delivered its first one there). */
  learn(ssrc: number, track: DataPlaneTrack): void {
    if (this.#closed) return;
    this.#tracks.set(ssrc >>> 0, { track, stats: this.#reports?.receiver(ssrc >>> 0, track.clockRate) ?? null });
  }

  /**
   * Send `buffer[start, end)` as the payload of one RTP packet on `track` with these header fields (werift's
   * sequence/timestamp offsets are added, as its sender does). False when the track has no codec yet.
   */
  send(track: DataPlaneTrack, buffer: Buffer, start: number, end: number, sequenceNumber: number, timestamp: number, marker: boolean): boolean {
    if (this.#closed) return false;
    const sender = track.sender;
    const pt = sender.codec?.payloadType;
    if (pt === undefined) return false;
    let o = this.#outbound.get(track);
    if (o === undefined) {
      o = new Outbound(sender, track.mid);
      this.#outbound.set(track, o);
      if (this.#reports === null) void sender.runRtcp(); // werift starts its sender reports on its first send
    }
    const payloadLength = end - start;
    const headerLength = o.header.length;
    const length = headerLength + payloadLength;
    if (length + this.#out.overhead > MAX_PACKET_BYTES) return false;
    const packet = this.#scratch;
    o.header.copy(packet, 0);
    packet[1] = (marker ? 0x80 : 0) | pt;
    const seq = (sequenceNumber + sender.seqOffset) & 0xffff;
    const ts = (timestamp + sender.timestampOffset) >>> 0;
    packet.writeUInt16BE(seq, 2);
    packet.writeUInt32BE(ts, 4);
    buffer.copy(packet, headerLength, start, end);
    if (this.#batched !== null) {
      this.#write(packet, this.#out.protectInPlace(packet, length)); // copied at once: the scratch buffer serves again
    } else {
      const protectedPacket = this.#out.protect(packet, length); // dgram sends later: a buffer of its own
      this.#write(protectedPacket, protectedPacket.length);
    }
    this.counters.sent++;
    sender.packetCount = (sender.packetCount + 1) >>> 0;
    sender.octetCount = (sender.octetCount + payloadLength) >>> 0;
    const now = performance.now();
    o.lastTimestamp = ts;
    o.lastSendMs = now;
    if (this.#reports === null && now - o.lastClock >= SR_CLOCK_REFRESH_MS) {
      // the NTP/RTP pair of a sender report must describe the same instant: refresh both together
      o.lastClock = now;
      sender.rtpTimestamp = ts;
      sender.ntpTimestamp = ntpTime();
    }
    return true;
  }

  /** Give the RTP path back to werift (packets of every SSRC go through it again). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    reportScheduler.remove(this.#report);
    if (this.#batched !== null) {
      this.#batched.socket.close();
      try {
        this.#batched.handle.recvStart(); // Node reads the socket again (werift may still be closing it)
      } catch {
        // the socket is already closed
      }
    }
    this.#transport.onData = this.#weriftOnData;
    if (this.#rtcp !== null) delete (this.#rtcp.dtls as Partial<WeriftDtlsTransport>).sendRtcp; // werift's own again
    this.#tracks.clear();
    this.#outbound.clear();
  }

  /** True when the datagram was ours to take (delivered or dropped), false to leave it to werift. */
  #receive(data: Buffer): boolean {
    // RFC 7983 demux: RTP/RTCP start 128-191; RTCP packet types 192-223 (RFC 5761) stay with werift
    if (data.length < RTP_HEADER_BYTES || (data[0]! & 0xc0) !== 0x80) return false;
    const pt = data[1]!;
    if (pt >= 192 && pt <= 223) return this.#rtcp !== null && this.#receiveRtcp(this.#rtcp, data);
    const inbound = this.#tracks.get(data.readUInt32BE(8));
    if (inbound === undefined) return false;
    const length = this.#in.unprotect(data);
    if (length < 0) {
      this.counters.dropped++;
      return true;
    }
    this.counters.received++;
    inbound.stats?.update(data.readUInt16BE(2), data.readUInt32BE(4), performance.now(), length);
    inbound.track.receiveRaw(data, length);
    return true;
  }
}
