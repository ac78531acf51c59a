/**
 * WebRtcPeer: one WebRTC leg on werift, confined to a simulated host's loopback address (peer-config.ts).
 * Either role of JSEP (RFC 8829): the offerer (`createOffer` → `acceptAnswer`, what a gateway does) or the
 * answerer (`acceptOffer`, what Meet does). Non-trickle: descriptions carry every candidate, since gathering
 * on loopback takes milliseconds. `waitConnected` waits for ICE and DTLS; `close()` is idempotent and
 * releases every socket this peer opened (and its lease on the loopback STUN responder).
 *
 * werift 0.24.4 keeps DTLS handshake retransmission timers it cannot cancel: after a completed handshake
 * they run out within 0.5 s of "connected"; they hold no socket.
 */
import { GwsimError, silentLogger, TimeoutError, TypedEmitter, type Logger } from '@gwsim/common';
import { RTCPeerConnection, type RTCRtpTransceiver, type RTCTrackEvent } from 'werift';
import { requireLoopbackAddress } from './loopback.ts';
import { loopbackPeerConfig } from './peer-config.ts';
import { RtpDataPlane } from './rtp-data-plane.ts';
import { leaseLoopbackStun, type StunLease } from './stun-responder.ts';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  type MediaKind,
  type OfferOptions,
  type WebRtcPeerDump,
  type WebRtcPeerEvents,
  type WebRtcPeerOptions,
  type WebRtcPeerState,
  type WebRtcRole,
} from './webrtc-peer-types.ts';
import { WebRtcTrack } from './webrtc-track.ts';

let peerCount = 0;

/** `WebRtcPeer.dataPlane` while our data plane carries RTP (and with `srtcp`, SRTCP). */
export interface DataPlaneStatus {
  path: 'gwsim';
  profile: string;
  batchedIo: boolean;
  srtcp: boolean;
  sent: number;
  received: number;
  dropped: number;
  rtcpSent: number;
  rtcpReceived: number;
  rtcpDropped: number;
  /** Who builds and reads the sender/receiver reports: the plane (with srtcp) or werift. */
  reports: 'gwsim' | 'werift';
  /** Round-trip time from the far end's latest report block about us, ms (the plane's reports; null before one). */
  rtcpRttMs: number | null;
}

export class WebRtcPeer extends TypedEmitter<WebRtcPeerEvents> {
  readonly name: string;
  readonly address: string;
  readonly #pc: RTCPeerConnection;
  readonly #stun: StunLease;
  readonly #log: Logger;
  readonly #tracks = new Map<RTCRtpTransceiver, WebRtcTrack>();
  readonly #useDataPlane: boolean;
  readonly #batchedIo: boolean;
  #plane: RtpDataPlane | null = null;
  #role: WebRtcRole | undefined;
  #lastState: WebRtcPeerState = 'new';
  #closing: Promise<void> | undefined;

  private constructor(options: WebRtcPeerOptions, stun: StunLease) {
    super();
    this.address = options.address;
    this.name = options.name ?? `webrtc-${++peerCount}`;
    this.#log = options.logger ?? silentLogger;
    this.#stun = stun;
    this.#useDataPlane = (options.dataPlane ?? 'gwsim') === 'gwsim';
    this.#batchedIo = options.batchedIo === true;
    this.#pc = new RTCPeerConnection(loopbackPeerConfig({ address: options.address, stunUrl: stun.url, videoCodecs: options.videoCodecs }));
    const connected = () => this.#pc.connectionState === 'connected';
    this.#pc.onTransceiverAdded.subscribe((t) => {
      this.#tracks.set(t, new WebRtcTrack(t, connected));
    });
    const receiving = new WeakSet<object>();
    this.#pc.ontrack = (event: RTCTrackEvent) => {
      const track = this.#tracks.get(event.transceiver);
      // A renegotiation can announce the same remote track again: count its packets once.
      if (!track || receiving.has(event.track)) return;
      receiving.add(event.track);
      event.track.onReceiveRtp.subscribe((packet) => track.receive(packet));
    };
    this.#pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') this.#attachDataPlane();
      this.#setState(state);
    });
  }

  /** A peer on `options.address` (a loopback IP). Starts the loopback STUN responder when needed. */
  static async create(options: WebRtcPeerOptions): Promise<WebRtcPeer> {
    requireLoopbackAddress(options.address);
    const stun = await leaseLoopbackStun(options.address);
    try {
      return new WebRtcPeer(options, stun);
    } catch (err) {
      await stun.release();
      throw err;
    }
  }

  get role(): WebRtcRole | undefined {
    return this.#role;
  }

  get state(): WebRtcPeerState {
    return this.#pc.connectionState;
  }

  /** Which path carries RTP: our data plane (with its SRTP profile) or werift's. */
  get dataPlane(): DataPlaneStatus | { path: 'werift' } {
    const plane = this.#plane;
    if (!plane) return { path: 'werift' };
    const reports = plane.reports;
    return { path: 'gwsim', profile: plane.profile, batchedIo: plane.batchedIo, srtcp: plane.srtcp, ...plane.counters, reports: reports ? 'gwsim' : 'werift', rtcpRttMs: reports?.stats.rttMs ?? null };
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Negotiated media sections, in m= line order. */
  get tracks(): readonly WebRtcTrack[] {
    return [...this.#tracks.values()].filter((t) => t.mid !== '');
  }

  /** The first track of a kind. */
  track(kind: MediaKind): WebRtcTrack | undefined {
    return this.tracks.find((t) => t.kind === kind);
  }

  /** Offerer: an offer with sendrecv Opus audio and VP8/H.264 video on one BUNDLE transport, candidates included. */
  async createOffer(options: OfferOptions = {}): Promise<string> {
    this.#take('offerer');
    if (options.audio ?? true) this.#pc.addTransceiver('audio', { direction: 'sendrecv' });
    if (options.video ?? true) this.#pc.addTransceiver('video', { direction: 'sendrecv' });
    if (options.content) this.#pc.addTransceiver('video', { direction: 'sendrecv' });
    if (this.#tracks.size === 0) throw new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', 'an offer needs audio, video or both');
    await this.#pc.setLocalDescription(await this.#pc.createOffer());
    return this.#localSdp();
  }

  /** Offerer: apply the answer; ICE and DTLS start. */
  async acceptAnswer(sdp: string): Promise<void> {
    if (this.#role !== 'offerer' || this.#pc.signalingState !== 'have-local-offer') {
      throw new GwsimError('GWSIM_ERR_ILLEGAL_STATE', `peer ${this.name} has no offer out (state ${this.#pc.signalingState})`);
    }
    await this.#pc.setRemoteDescription({ type: 'answer', sdp });
  }

  /** Answerer: apply the offer and answer it, sending and receiving on every offered audio/video section. */
  async acceptOffer(sdp: string): Promise<string> {
    this.#take('answerer');
    await this.#pc.setRemoteDescription({ type: 'offer', sdp });
    for (const t of this.#tracks.keys()) t.setDirection('sendrecv');
    await this.#pc.setLocalDescription(await this.#pc.createAnswer());
    return this.#localSdp();
  }

  /** Resolves when ICE and DTLS are connected; rejects on failure, close or after `timeoutMs`. */
  waitConnected(timeoutMs = DEFAULT_CONNECT_TIMEOUT_MS): Promise<void> {
    if (this.state === 'connected') return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        off();
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(() => done(new TimeoutError(`WebRTC peer ${this.name} did not connect within ${timeoutMs} ms (state ${this.state})`)), timeoutMs);
      const off = this.on('state', (state) => {
        if (state === 'connected') done();
        else if (state === 'failed' || state === 'closed') done(new GwsimError('GWSIM_ERR_TRANSPORT', `WebRTC peer ${this.name} ${state} before connecting`));
      });
      if (this.closed) done(new GwsimError('GWSIM_ERR_CLOSED', `WebRTC peer ${this.name} is closed`));
    });
  }

  dump(): WebRtcPeerDump {
    return {
      name: this.name,
      role: this.#role,
      address: this.address,
      state: this.state,
      closed: this.closed,
      tracks: this.tracks.map((t) => t.dump()),
    };
  }

  /** Close the connection, its sockets and the STUN lease. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const track of this.#tracks.values()) {
        track.onRtp(null);
        track.useDataPlane(null);
      }
      this.#plane?.close();
      this.#plane = null;
      try {
        await this.#pc.close();
      } finally {
        await this.#stun.release();
        this.#setState('closed');
        this.removeAllListeners();
        this.#log.debug('webrtc closed', { peer: this.name });
      }
    })();
    return this.#closing;
  }

  #attachDataPlane(): void {
    if (!this.#useDataPlane || this.#plane !== null || this.closed) return;
    this.#plane = RtpDataPlane.attach(this.#pc, { batchedIo: this.#batchedIo });
    if (this.#plane === null) {
      this.#log.warn('webrtc RTP stays on werift: the connection is not one the data plane drives', { peer: this.name });
      return;
    }
    for (const track of this.#tracks.values()) track.useDataPlane(this.#plane);
    this.#log.debug('webrtc data plane', { peer: this.name, profile: this.#plane.profile, batchedIo: this.#plane.batchedIo });
  }

  #setState(state: WebRtcPeerState): void {
    if (state === this.#lastState) return;
    this.#lastState = state;
    this.#log.debug('webrtc state', { peer: this.name, state });
    this.emit('state', state);
  }

  #take(role: WebRtcRole): void {
    if (this.closed) throw new GwsimError('GWSIM_ERR_CLOSED', `WebRTC peer ${this.name} is closed`);
    if (this.#role) throw new GwsimError('GWSIM_ERR_ILLEGAL_STATE', `WebRTC peer ${this.name} is already the ${this.#role}`);
    this.#role = role;
  }

  #localSdp(): string {
    const sdp = this.#pc.localDescription?.sdp;
    if (!sdp) throw new GwsimError('GWSIM_ERR_ILLEGAL_STATE', `WebRTC peer ${this.name} has no local description`);
    return sdp;
  }
}
