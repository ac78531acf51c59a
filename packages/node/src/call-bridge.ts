/**
 * CallBridge: one gateway call's media between the endpoint's plain RTP (the node's RtpPorts) and a WebRTC
 * leg to Meet (a WebRtcPeer on the node's loopback address: ICE, DTLS, SRTP). No transcoding: payloads are
 * forwarded as they are; what RTP requires is rewritten per stream and direction by an RtpRewriter (one
 * outgoing SSRC, continuous sequence numbers and timestamps across source switches), and every hop is counted.
 *
 * Modes: `held` (lobby) forwards nothing in either direction, and the node's own waiting media goes to the
 * endpoint through `sendLocal` (same outgoing SSRC as the meeting media that follows); `forwarding` (in the
 * meeting) carries both directions. RTCP is terminated on each leg (werift sends its own on the WebRTC side).
 *
 * Probe origins: a probe payload that comes back from Meet still tagged `endpoint` has been reflected by
 * Meet's echo (which forwards payloads untouched), so the node tags it `meet-echo`; other origins are kept.
 *
 * Content (a=content:slides): WebRtcPeer offers one audio and one video section today. When the peer has a
 * second video track it carries content; otherwise content is muxed onto the video track with its own
 * sequence space and told apart on the way back by the probe stream id (packets without a probe go to video).
 */
import { GwsimError, silentLogger, type Logger } from '@gwsim/common';
import {
  emptyProbe,
  readProbe,
  RtpRewriter,
  rtpPayloadOffset,
  setProbeOrigin,
  WebRtcPeer,
  writeRtpHeaderFields,
  RTP_HEADER_BYTES,
  type RtpPort,
  type RtpView,
  type WebRtcOfferOptions,
  type WebRtcTrack,
} from '@gwsim/media';
import { addLoss, emptyHops, LegReceiver, MEDIA_HOPS, type BridgeMode, type BridgeSnapshot, type BridgeStreamName, type BridgeStreamStats, type ContentTransport, type HopCount, type LegLoss, type MediaHop } from './bridge-stats.ts';

/** One endpoint-side stream the bridge carries. */
export interface BridgeStreamSpec {
  readonly port: RtpPort;
  /** Where the endpoint receives this stream (its SDP offer), or null (nothing is sent to it). */
  readonly target: { readonly address: string; readonly port: number } | null;
  /** Negotiated payload type and clock rate on the endpoint leg. */
  readonly payloadType: number;
  readonly clockRate: number;
  /** A payload type the node consumes and does not forward (telephone-event). */
  readonly consumePayloadType?: number | null;
}

export interface CallBridgeOptions {
  /** The node's loopback address (the WebRTC leg binds here). */
  readonly address: string;
  readonly streams: Partial<Record<BridgeStreamName, BridgeStreamSpec>>;
  readonly name?: string;
  /** Batched UDP I/O on the WebRTC leg's ICE socket (WebRtcPeerOptions.batchedIo). */
  readonly batchedIo?: boolean;
  readonly logger?: Logger;
}

/** The largest packet the bridge sends to the endpoint (a UDP datagram's payload, rounded up). */
const SCRATCH_BYTES = 65_536;

/** A local packet's SSRC as rewriter input: the node's own media, distinct from anything received. */
const LOCAL_SSRC = 0x6e6f6465; // "node"

class BridgeStream {
  readonly name: BridgeStreamName;
  readonly spec: BridgeStreamSpec;
  readonly stats: BridgeStreamStats = { hops: emptyHops(), loss: { endpoint: { expected: 0, lost: 0 }, meet: { expected: 0, lost: 0 } }, held: 0, local: { packets: 0, bytes: 0 } };
  readonly fromEndpoint: LegReceiver;
  /** Shared by video and content when they are muxed on one track (one sequence space there). */
  fromMeet: LegReceiver;
  /** endpoint → Meet and Meet → endpoint header rewriting (toMeet shared when muxed). */
  toMeet: RtpRewriter;
  readonly toEndpoint: RtpRewriter;
  /** Muxed: the Meet-side sequence space is shared, so the endpoint side is renumbered from this counter. */
  muxed = false;
  returnSeq = 0;
  track: WebRtcTrack | null = null;
  /** Probe stream ids seen from the endpoint on this stream (demuxes content muxed onto video). */
  readonly streamIds = new Set<number>();
  localSeq = 0;
  localTs = 0;
  localPacket: Buffer | null = null;

  constructor(name: BridgeStreamName, spec: BridgeStreamSpec) {
    this.name = name;
    this.spec = spec;
    this.fromEndpoint = new LegReceiver(spec.clockRate);
    this.fromMeet = new LegReceiver(spec.clockRate);
    this.toMeet = new RtpRewriter({ clockRate: spec.clockRate });
    this.toEndpoint = new RtpRewriter({ clockRate: spec.clockRate, ssrc: spec.port.ssrc, payloadType: spec.payloadType });
  }
}

export class CallBridge {
  readonly name: string;
  readonly peer: WebRtcPeer;
  /** The SDP offer for the join (`sdpOffer`). */
  readonly offer: string;
  readonly #log: Logger;
  readonly #streams = new Map<BridgeStreamName, BridgeStream>();
  readonly #probe = emptyProbe();
  /** Packets to the endpoint are framed here when its port copies at once (batched I/O). */
  readonly #scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
  #mode: BridgeMode = 'idle';
  #content: ContentTransport = 'none';

  private constructor(peer: WebRtcPeer, offer: string, streams: Map<BridgeStreamName, BridgeStream>, options: CallBridgeOptions) {
    this.peer = peer;
    this.offer = offer;
    this.name = peer.name;
    this.#log = options.logger ?? silentLogger;
    this.#streams = streams;
    for (const s of streams.values()) s.spec.port.onRaw((packet) => this.#fromEndpoint(s, packet));
  }

  /** A WebRTC peer on the node's address and its offer: audio, plus video when the endpoint has video or content. */
  static async open(options: CallBridgeOptions): Promise<CallBridge> {
    const streams = new Map<BridgeStreamName, BridgeStream>();
    for (const name of ['audio', 'video', 'content'] as const) {
      const spec = options.streams[name];
      if (spec) streams.set(name, new BridgeStream(name, spec));
    }
    if (!streams.has('audio') && !streams.has('video')) throw new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', 'a bridge needs an audio or a video stream');
    const peer = await WebRtcPeer.create({ address: options.address, name: options.name ?? 'node-bridge', batchedIo: options.batchedIo, logger: options.logger });
    try {
      // `content` asks for a second video section; peers that do not know it ignore it (see file comment).
      const offerOptions: WebRtcOfferOptions & { content?: boolean } = { audio: streams.has('audio'), video: streams.has('video') || streams.has('content'), content: streams.has('content') };
      const offer = await peer.createOffer(offerOptions);
      return new CallBridge(peer, offer, streams, options);
    } catch (err) {
      await peer.close();
      throw err;
    }
  }

  get mode(): BridgeMode {
    return this.#mode;
  }

  /** Apply Meet's SDP answer: ICE and DTLS start; tracks are bound to the endpoint's streams. */
  async accept(sdpAnswer: string): Promise<void> {
    await this.peer.acceptAnswer(sdpAnswer);
    const videos = this.peer.tracks.filter((t) => t.kind === 'video');
    const bind = (name: BridgeStreamName, track: WebRtcTrack | undefined) => {
      const s = this.#streams.get(name);
      if (s && track) s.track = track;
    };
    bind('audio', this.peer.track('audio'));
    bind('video', videos[0]);
    const content = this.#streams.get('content');
    if (content) {
      this.#content = videos[1] ? 'track' : videos[0] ? 'muxed-on-video' : 'none';
      bind('content', videos[1] ?? videos[0]);
      const video = this.#streams.get('video');
      if (this.#content === 'muxed-on-video' && video) {
        // One track, one sequence space towards Meet: a shared rewriter keeps it continuous (no false NACKs).
        content.toMeet = video.toMeet;
        content.fromMeet = video.fromMeet;
        content.muxed = video.muxed = true;
      }
    }
    for (const track of this.peer.tracks) track.onRtp((packet, t) => this.#fromMeet(t, packet));
    if (this.#mode === 'idle') this.#mode = 'held';
  }

  /** `held`: lobby (nothing forwarded); `forwarding`: in the meeting. */
  setForwarding(on: boolean): void {
    if (this.#mode === 'closed') return;
    this.#mode = on ? 'forwarding' : 'held';
  }

  /**
   * Send the node's own media to the endpoint on a stream (lobby splash): through the same rewriter as the
   * meeting media, so the endpoint sees one SSRC with continuous sequence numbers and timestamps.
   */
  sendLocal(name: BridgeStreamName, payload: Buffer, timestampStep: number): void {
    const s = this.#streams.get(name);
    if (!s?.spec.target || this.#mode === 'closed') return;
    const length = RTP_HEADER_BYTES + payload.length;
    // one buffer per stream, rewritten once per 20 ms tick: dgram has sent the previous one by then
    if (s.localPacket === null || s.localPacket.length !== length) s.localPacket = Buffer.allocUnsafe(length);
    const packet = s.localPacket;
    writeRtpHeaderFields(packet, s.spec.payloadType, s.localSeq, s.localTs, LOCAL_SSRC, false);
    payload.copy(packet, RTP_HEADER_BYTES);
    s.localSeq = (s.localSeq + 1) & 0xffff;
    s.localTs = (s.localTs + timestampStep) >>> 0;
    s.toEndpoint.rewrite(packet, performance.now());
    s.spec.port.sendRaw(s.spec.target, packet);
    s.stats.local.packets++;
    s.stats.local.bytes += length;
  }

  #fromEndpoint(s: BridgeStream, packet: Buffer): void {
    const now = performance.now();
    const hops = s.stats.hops;
    hops.endpoint_to_node.packets++;
    hops.endpoint_to_node.bytes += packet.length;
    const ssrc = packet.readUInt32BE(8);
    const seq = packet.readUInt16BE(2);
    const ts = packet.readUInt32BE(4);
    s.fromEndpoint.update(ssrc, seq, ts, now, packet.length);
    const pt = packet[1]! & 0x7f;
    if (this.#mode !== 'forwarding' || s.track === null || pt === s.spec.consumePayloadType) {
      s.stats.held++;
      return;
    }
    const offset = rtpPayloadOffset(packet);
    if (offset < 0) return;
    if (s.name === 'content' && this.#content === 'muxed-on-video' && readProbe(packet.subarray(offset), this.#probe)) s.streamIds.add(this.#probe.streamId);
    s.toMeet.map(ssrc, seq, ts, now);
    if (!s.track.sendPayload(packet, offset, packet.length, s.toMeet.sequence, s.toMeet.timestamp, (packet[1]! & 0x80) !== 0)) {
      s.stats.held++;
      return;
    }
    hops.node_to_meet.packets++;
    hops.node_to_meet.bytes += RTP_HEADER_BYTES + packet.length - offset;
  }

  #fromMeet(track: WebRtcTrack, packet: RtpView): void {
    const s = this.#streamOf(track, packet);
    if (s === null) return;
    const now = performance.now();
    const { ssrc, sequenceNumber, timestamp, marker } = packet;
    const hops = s.stats.hops;
    const length = RTP_HEADER_BYTES + packet.payloadLength;
    hops.meet_to_node.packets++;
    hops.meet_to_node.bytes += length;
    s.fromMeet.update(ssrc, sequenceNumber, timestamp, now, length);
    if (this.#mode !== 'forwarding' || s.spec.target === null || length > SCRATCH_BYTES) return;
    // a batched port copies at once, so one scratch buffer serves every packet; dgram sends later: a buffer each
    const out = s.spec.port.batchedIo ? this.#scratch : Buffer.allocUnsafe(length);
    s.toEndpoint.map(ssrc, s.muxed ? s.returnSeq++ & 0xffff : sequenceNumber, timestamp, now);
    writeRtpHeaderFields(out, s.spec.payloadType, s.toEndpoint.sequence, s.toEndpoint.timestamp, s.toEndpoint.ssrc, marker);
    packet.buffer.copy(out, RTP_HEADER_BYTES, packet.payloadOffset, packet.payloadEnd);
    if (readProbe(out, this.#probe, length) && this.#probe.origin === 'endpoint') setProbeOrigin(out, 'meet-echo', length);
    s.spec.port.sendRaw(s.spec.target, out, length);
    hops.node_to_endpoint.packets++;
    hops.node_to_endpoint.bytes += length;
  }

  /** The endpoint stream a packet from Meet belongs to. */
  #streamOf(track: WebRtcTrack, packet: RtpView): BridgeStream | null {
    const content = this.#streams.get('content');
    if (content?.track === track && this.#content === 'track') return content;
    if (track.kind === 'audio') return this.#streams.get('audio') ?? null;
    const video = this.#streams.get('video') ?? null;
    if (content && this.#content === 'muxed-on-video' && readProbe(packet.buffer, this.#probe, packet.payloadEnd) && content.streamIds.has(this.#probe.streamId)) return content;
    return video ?? (this.#content === 'muxed-on-video' ? (content ?? null) : null);
  }

  stats(): BridgeSnapshot {
    const totals = emptyHops();
    let endpoint: LegLoss = { expected: 0, lost: 0 };
    let meet: LegLoss = { expected: 0, lost: 0 };
    const streams: BridgeSnapshot['streams'] = {};
    const counted = new Set<LegReceiver>();
    for (const [name, s] of this.#streams) {
      s.stats.loss.endpoint = s.fromEndpoint.loss();
      s.stats.loss.meet = s.fromMeet.loss();
      endpoint = addLoss(endpoint, s.stats.loss.endpoint);
      if (!counted.has(s.fromMeet)) meet = addLoss(meet, s.stats.loss.meet);
      counted.add(s.fromMeet);
      for (const hop of MEDIA_HOPS) {
        totals[hop].packets += s.stats.hops[hop].packets;
        totals[hop].bytes += s.stats.hops[hop].bytes;
      }
      streams[name] = structuredClone(s.stats);
    }
    return { mode: this.#mode, peer: this.peer.state, content: this.#content, streams, totals, loss: { endpoint, meet } };
  }

  /** Hop totals without building a snapshot (live /metrics). */
  addTotals(into: Record<MediaHop, HopCount>): void {
    for (const s of this.#streams.values()) {
      for (const hop of MEDIA_HOPS) {
        into[hop].packets += s.stats.hops[hop].packets;
        into[hop].bytes += s.stats.hops[hop].bytes;
      }
    }
  }

  /** Stop forwarding, detach from the ports (the call closes them) and close the WebRTC leg. Idempotent. */
  async close(): Promise<void> {
    if (this.#mode !== 'closed') {
      this.#mode = 'closed';
      for (const s of this.#streams.values()) s.spec.port.onRaw(null);
      this.#log.debug('bridge closed', { bridge: this.name });
    }
    await this.peer.close();
  }
}
