/**
 * MediaSession: the media of one simulated call on plain RTP/AVP — up to three streams (audio, main
 * video, presentation content), each on its own RtpPort with RTCP multiplexed (RFC 5761). In `send` mode
 * synthetic sources (driven by a shared Ticker) send probe payloads to the remote; every received packet
 * feeds per-SSRC RFC 3550 statistics, and its probe trailer gives one-way delay or, for our own payloads
 * coming back from an echo, round-trip time. Compound RTCP (SR or RR + SDES CNAME) goes out on an interval,
 * and received reports give RTCP RTT (LSR/DLSR). `stats()` returns a plain snapshot; `close()` sends BYE
 * and is idempotent. The receive path allocates nothing per packet beyond what dgram hands us.
 */
import type dgram from 'node:dgram';
import { ConfigError, GwsimError } from '@gwsim/common';
import { burstRatio, estimateAudioQuality, type EModelCodec } from './e-model.ts';
import { LatencyHistogram } from './latency-histogram.ts';
import {
  type Endpoint,
  type MediaSessionOptions,
  type MediaSessionStats,
  type RemoteReport,
  type SessionMode,
  STREAM_NAMES,
  type StreamName,
  type StreamStats,
} from './media-stream-types.ts';
import { emptyProbe, PROBE_ORIGINS, probeClockUs, readProbe, setProbeOrigin, type ProbeOrigin } from './probe-payload.ts';
import { parseRtcp, SDES_CNAME, serializeRtcp, type ReportBlock, type RtcpPacket } from './rtcp.ts';
import { RtpPort } from './rtp.ts';
import { RtpReceiverStats, RtpSenderStats, rttFromReportBlock, wallClockMs } from './rtp-stats.ts';
import { AudioSource } from './sources/audio-source.ts';
import { random32, type PacketSink } from './sources/source-options.ts';
import { VideoSource } from './sources/video-source.ts';
import { requireLoopbackAddress } from './webrtc/loopback.ts';
import type { Ticker } from './ticker.ts';

const ORIGIN_NAMES = Object.keys(PROBE_ORIGINS) as ProbeOrigin[];

/** One stream: its port, source, sender and receiver statistics. */
class StreamLeg {
  readonly name: StreamName;
  readonly port: RtpPort;
  readonly source: AudioSource | VideoSource | null;
  readonly sender: RtpSenderStats;
  readonly clockRate: number;
  readonly streamId: number;
  readonly receivers = new Map<number, RtpReceiverStats>();
  last: RtpReceiverStats | null = null;
  remote: Endpoint | null = null;
  readonly rtt = new LatencyHistogram();
  readonly oneWay = new LatencyHistogram();
  readonly rtcpRtt = new LatencyHistogram();
  readonly origins = new Uint32Array(8);
  rtcpParseErrors = 0;
  byes = 0;
  remoteReport: RemoteReport | null = null;
  sink: PacketSink = () => {};

  constructor(name: StreamName, port: RtpPort, source: AudioSource | VideoSource | null, clockRate: number, streamId: number) {
    this.name = name;
    this.port = port;
    this.source = source;
    this.clockRate = clockRate;
    this.streamId = streamId;
    this.sender = new RtpSenderStats(port.ssrc, clockRate);
  }

  receiver(ssrc: number): RtpReceiverStats {
    let r = this.receivers.get(ssrc);
    if (r === undefined) {
      r = new RtpReceiverStats(ssrc, this.clockRate);
      this.receivers.set(ssrc, r);
    }
    return r;
  }
}

export class MediaSession {
  readonly name: string;
  readonly address: string;
  readonly mode: SessionMode;
  readonly cname: string;
  readonly #legs = new Map<StreamName, StreamLeg>();
  readonly #ownStreamIds = new Set<number>();
  readonly #echoOrigin: ProbeOrigin;
  readonly #rtcpIntervalMs: number;
  readonly #audioCodec: EModelCodec;
  readonly #audioPtimeMs: number;
  readonly #probe = emptyProbe();
  #nextRtcpMs = -1;
  #wallMs = 0;
  #ticker: Ticker | null = null;
  #closing: Promise<void> | undefined;

  private constructor(options: MediaSessionOptions, ports: Map<StreamName, RtpPort>) {
    this.address = options.address;
    this.mode = options.mode ?? 'send';
    this.name = options.name ?? `media-${options.address}`;
    this.cname = options.cname ?? `gwsim-${random32().toString(16)}@${options.address}`;
    this.#echoOrigin = options.echoOrigin ?? 'meet-echo';
    this.#rtcpIntervalMs = options.rtcpIntervalMs ?? 1000;
    this.#audioCodec = options.audio?.codec === 'opus' ? 'opus' : 'pcmu';
    this.#audioPtimeMs = options.audio?.ptimeMs ?? 20;
    for (const [name, port] of ports) {
      const sending = this.mode === 'send';
      let source: AudioSource | VideoSource | null = null;
      if (sending && name === 'audio') source = new AudioSource({ ...options.audio, ssrc: port.ssrc }, 'audio');
      else if (sending) source = new VideoSource({ ...options[name], ssrc: port.ssrc, content: name === 'content' ? 'slides' : 'main' }, name);
      const clockRate = name === 'audio' ? (this.#audioCodec === 'opus' ? 48_000 : 8000) : 90_000;
      const leg = new StreamLeg(name, port, source, clockRate, source?.streamId ?? random32());
      if (source) {
        this.#ownStreamIds.add(source.streamId);
        leg.sink = (packet, length) => {
          const remote = leg.remote;
          if (remote === null) return;
          port.sendRaw(remote, packet, length);
          leg.sender.onSent(packet.readUInt32BE(4), length - 12, this.#wallMs);
        };
      }
      port.onRaw((packet, from) => this.#onRtp(leg, packet, from));
      port.onRtcp((packet) => this.#onRtcp(leg, packet));
      this.#legs.set(name, leg);
    }
  }

  /** Open one RTP port per stream on `options.address` (a loopback address). */
  static async open(options: MediaSessionOptions): Promise<MediaSession> {
    requireLoopbackAddress(options.address, 'address');
    const names = options.streams ?? STREAM_NAMES;
    names.forEach((n, i) => {
      if (!STREAM_NAMES.includes(n)) throw new ConfigError(`streams[${i}]`, `must be one of ${STREAM_NAMES.join(', ')}, got ${JSON.stringify(n)}`);
    });
    const mode = options.mode ?? 'send';
    if (!['send', 'echo', 'receive'].includes(mode)) throw new ConfigError('mode', `must be send, echo or receive, got ${JSON.stringify(mode)}`);
    const interval = options.rtcpIntervalMs ?? 1000;
    if (!Number.isFinite(interval) || interval < 0) throw new ConfigError('rtcpIntervalMs', `must be a number of ms ≥ 0, got ${interval}`);
    const ports = new Map<StreamName, RtpPort>();
    try {
      for (const n of new Set(names)) ports.set(n, await RtpPort.open(options.address, { batchedIo: options.batchedIo ?? true }));
      return new MediaSession(options, ports);
    } catch (err) {
      await Promise.all([...ports.values()].map((p) => p.close()));
      throw err;
    }
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  get streams(): readonly StreamName[] {
    return [...this.#legs.keys()];
  }

  /** The RTP port of a stream (for SDP: its address and port). */
  port(name: StreamName): RtpPort {
    const leg = this.#legs.get(name);
    if (!leg) throw new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', `session ${this.name} has no ${name} stream`);
    return leg.port;
  }

  /** Local address and port of every stream. */
  locals(): Partial<Record<StreamName, Endpoint>> {
    const out: Partial<Record<StreamName, Endpoint>> = {};
    for (const [name, leg] of this.#legs) out[name] = { address: leg.port.address, port: leg.port.port };
    return out;
  }

  /** Where a stream sends RTP and RTCP (a loopback address), or null to stop sending. */
  setRemote(name: StreamName, remote: Endpoint | null): void {
    const leg = this.#legs.get(name);
    if (!leg) throw new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', `session ${this.name} has no ${name} stream`);
    if (remote !== null) {
      requireLoopbackAddress(remote.address, `remote.${name}.address`);
      if (!Number.isInteger(remote.port) || remote.port < 1 || remote.port > 65535) throw new ConfigError(`remote.${name}.port`, `must be an integer from 1 to 65535, got ${remote.port}`);
    }
    leg.remote = remote === null ? null : { address: remote.address, port: remote.port };
  }

  /** Set the remotes of every stream both sessions have (`mediaTargets(answer)` gives them from SDP). */
  setRemotes(remotes: Partial<Record<StreamName, Endpoint>>): void {
    for (const name of this.#legs.keys()) {
      const r = remotes[name];
      if (r !== undefined) this.setRemote(name, r);
    }
  }

  /** Join a ticker (one timer for many sessions); `close()` leaves it. */
  start(ticker: Ticker): void {
    if (this.closed) throw new GwsimError('GWSIM_ERR_CLOSED', `media session ${this.name} is closed`);
    if (this.#ticker && this.#ticker !== ticker) this.#ticker.remove(this);
    this.#ticker = ticker;
    ticker.add(this);
  }

  stop(): void {
    this.#ticker?.remove(this);
    this.#ticker = null;
  }

  /** Send what is due at `nowMs` (monotonic ms) on every stream, and RTCP when its interval is up. */
  tick(nowMs: number = performance.now()): number {
    if (this.closed) return 0;
    this.#wallMs = wallClockMs();
    let sent = 0;
    for (const leg of this.#legs.values()) if (leg.source && leg.remote) sent += leg.source.tick(nowMs, leg.sink);
    if (this.#rtcpIntervalMs > 0) {
      if (this.#nextRtcpMs < 0) this.#nextRtcpMs = nowMs + this.#rtcpIntervalMs / 2;
      else if (nowMs >= this.#nextRtcpMs) {
        // RFC 3550 §6.3.1: randomized over [0.5, 1.5] × the interval so senders do not synchronise
        this.#nextRtcpMs = nowMs + this.#rtcpIntervalMs * (0.5 + Math.random());
        this.sendRtcp();
      }
    }
    return sent;
  }

  /** Send one compound RTCP packet per stream now: SR (if we have sent) or RR, SDES CNAME, and BYE when `bye`. */
  sendRtcp(bye = false): void {
    const wall = wallClockMs();
    for (const leg of this.#legs.values()) {
      const to = leg.remote ?? leg.port.stats.lastSource;
      if (to === null) continue;
      const blocks: ReportBlock[] = [];
      for (const r of leg.receivers.values()) if (r.valid && blocks.length < 31) blocks.push(r.reportBlock(wall));
      const packets: RtcpPacket[] = [
        leg.sender.packets > 0 ? leg.sender.senderReport(wall, blocks) : { type: 'rr', ssrc: leg.port.ssrc, reports: blocks },
        { type: 'sdes', chunks: [{ ssrc: leg.port.ssrc, items: [{ type: SDES_CNAME, value: this.cname }] }] },
      ];
      if (bye) packets.push({ type: 'bye', ssrcs: [leg.port.ssrc] });
      leg.port.sendRtcp(to, serializeRtcp(packets));
    }
  }

  #onRtp(leg: StreamLeg, packet: Buffer, from: dgram.RemoteInfo): void {
    const ssrc = packet.readUInt32BE(8);
    let r = leg.last;
    if (r === null || r.ssrc !== ssrc) r = leg.last = leg.receiver(ssrc);
    r.update(packet.readUInt16BE(2), packet.readUInt32BE(4), performance.now(), packet.length);
    const probe = this.#probe;
    if (readProbe(packet, probe)) {
      leg.origins[PROBE_ORIGINS[probe.origin]]!++;
      const ms = (probeClockUs() - probe.sendTimeUs) / 1000;
      if (this.#ownStreamIds.has(probe.streamId)) leg.rtt.record(ms);
      else leg.oneWay.record(ms);
    }
    if (this.mode === 'echo') {
      setProbeOrigin(packet, this.#echoOrigin);
      packet.writeUInt32BE(leg.port.ssrc, 8);
      leg.port.sendRaw(from, packet);
    }
  }

  #onRtcp(leg: StreamLeg, packet: Buffer): void {
    let packets: RtcpPacket[];
    try {
      packets = parseRtcp(packet);
    } catch {
      leg.rtcpParseErrors++;
      return;
    }
    const wall = wallClockMs();
    for (const p of packets) {
      if (p.type === 'sr') leg.receiver(p.ssrc).onSenderReport(p.ntpMsw, p.ntpLsw, wall);
      if (p.type === 'sr' || p.type === 'rr') {
        for (const block of p.reports) {
          if (block.ssrc !== leg.port.ssrc) continue;
          const rtt = rttFromReportBlock(block, wall);
          if (rtt !== null) leg.rtcpRtt.record(rtt);
          leg.remoteReport = { fractionLost: block.fractionLost / 256, cumulativeLost: block.cumulativeLost, jitterMs: (block.jitter / leg.clockRate) * 1000 };
        }
      } else if (p.type === 'bye') leg.byes++;
    }
  }

  /** Latency histograms of a stream, to merge into an aggregate across calls. */
  latency(name: StreamName): { rtt: LatencyHistogram; oneWay: LatencyHistogram; rtcpRtt: LatencyHistogram } | undefined {
    const leg = this.#legs.get(name);
    return leg && { rtt: leg.rtt, oneWay: leg.oneWay, rtcpRtt: leg.rtcpRtt };
  }

  #streamStats(leg: StreamLeg): StreamStats {
    let expected = 0;
    let lost = 0;
    let lossEvents = 0;
    let lostInBursts = 0;
    for (const r of leg.receivers.values()) {
      expected += r.expected;
      lost += r.lost;
      lossEvents += r.lossEvents;
      lostInBursts += r.lostInBursts;
    }
    const ps = leg.port.stats;
    const jitterMs = leg.last?.jitterMs ?? 0;
    const lossPercent = expected > 0 ? (Math.max(0, lost) / expected) * 100 : 0;
    const origins: Partial<Record<ProbeOrigin, number>> = {};
    for (const o of ORIGIN_NAMES) if (leg.origins[PROBE_ORIGINS[o]]! > 0) origins[o] = leg.origins[PROBE_ORIGINS[o]]!;
    const rtt = leg.rtt.summary();
    const rtcpRtt = leg.rtcpRtt.summary();
    const oneWay = leg.oneWay.summary();
    let quality: StreamStats['quality'] = null;
    if (leg.name === 'audio' && ps.packetsIn > 0) {
      // mouth-to-ear: network one way + packetization + a jitter buffer of twice the jitter
      const network = rtt ? rtt.p50Ms / 2 : rtcpRtt ? rtcpRtt.p50Ms / 2 : oneWay ? oneWay.p50Ms : 0;
      const oneWayDelayMs = network + this.#audioPtimeMs + 2 * jitterMs;
      const burst = burstRatio(lossPercent / 100, lossEvents > 0 ? lostInBursts / lossEvents : 0);
      quality = { ...estimateAudioQuality({ codec: this.#audioCodec, oneWayDelayMs, lossPercent, burstRatio: burst }), codec: this.#audioCodec, oneWayDelayMs };
    }
    const source = leg.source;
    return {
      name: leg.name,
      local: { address: leg.port.address, port: leg.port.port },
      remote: leg.remote,
      ssrc: leg.port.ssrc,
      streamId: leg.streamId,
      sent: { packets: ps.packetsOut, bytes: ps.bytesOut, frames: source instanceof VideoSource ? source.frames : (source?.packets ?? 0) },
      received: { packets: ps.packetsIn, bytes: ps.bytesIn, expected, lost, lossPercent, jitterMs, sources: leg.receivers.size, invalid: ps.invalidIn },
      rtcp: { sent: ps.rtcpPacketsOut, received: ps.rtcpPacketsIn, parseErrors: leg.rtcpParseErrors, byes: leg.byes, rtt: rtcpRtt, remoteReport: leg.remoteReport },
      rtt,
      oneWay,
      origins,
      quality,
    };
  }

  /** A plain snapshot of every stream and the totals. */
  stats(): MediaSessionStats {
    const streams: Partial<Record<StreamName, StreamStats>> = {};
    const totals = { sent: { packets: 0, bytes: 0 }, received: { packets: 0, bytes: 0, lost: 0 } };
    for (const [name, leg] of this.#legs) {
      const s = (streams[name] = this.#streamStats(leg));
      totals.sent.packets += s.sent.packets;
      totals.sent.bytes += s.sent.bytes;
      totals.received.packets += s.received.packets;
      totals.received.bytes += s.received.bytes;
      totals.received.lost += Math.max(0, s.received.lost);
    }
    return { name: this.name, mode: this.mode, closed: this.closed, streams, totals };
  }

  /** Same as stats() (the STYLE.md `dump()` of long-lived objects). */
  dump(): MediaSessionStats {
    return this.stats();
  }

  /** Leave the ticker, send RTCP BYE where there is someone to tell, close the ports. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.stop();
      try {
        if (this.#rtcpIntervalMs > 0) {
          this.sendRtcp(true);
          // dgram resolves even an IP literal asynchronously: let the BYE leave before the socket closes
          await new Promise((resolve) => setImmediate(resolve));
        }
      } finally {
        await Promise.all([...this.#legs.values()].map((l) => l.port.close()));
      }
    })();
    return this.#closing;
  }
}
