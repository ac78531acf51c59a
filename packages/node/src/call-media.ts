import { GwsimError, silentLogger, type Logger } from '@gwsim/common';
import { isSlides, markedFrame, PROBE_BYTES, probeClockUs, rtpMaps, RtpPort, TelephoneEventReceiver, writeProbe, type MarkedState, type ProbeOrigin, type SessionDescription } from '@gwsim/media';
import { openCallBridge } from './bridge-setup.ts';
import type { BridgeSnapshot, HopCount, MediaHop } from './bridge-stats.ts';
import type { CallBridge } from './call-bridge.ts';

const ORIGIN_OF_STATE: Readonly<Record<MarkedState, ProbeOrigin>> = { lobby: 'node-lobby', meeting: 'node-meeting', reception: 'node-reception' };

/** The node's RTP ports for one call (its SDP answer); null: the stream is not offered (or not accepted). */
export interface CallMediaPorts {
  readonly audio: number;
  readonly video: number | null;
  readonly content: number | null;
}

/** What a call's media counts: the audio port's RTP, and the bridge's snapshot once one carries the call. */
export interface CallMediaStats {
  rtp: { packetsIn: number; packetsOut: number };
  bridge: BridgeSnapshot | null;
}

/**
 * One call's media as GatewayCall drives it, wherever it runs: `CallMedia` on the signalling thread, or a
 * proxy to a media worker thread (media-worker-pool.ts). Everything per packet stays behind this seam.
 */
export interface CallMediaHandle {
  readonly ports: CallMediaPorts;
  /** Keys the caller sends as RFC 4733 telephone-events (null: stop listening). */
  onKey(fn: ((key: string) => void) | null): void;
  /** Switch what the caller hears/sees. */
  play(state: MarkedState): void;
  /** Open the call's WebRTC leg towards Meet; resolves with its SDP offer. `answer` is the node's SIP answer. */
  openBridge(answer: SessionDescription, name: string): Promise<string>;
  /** Apply Meet's SDP answer; from then on the call's media goes through the bridge. On failure the bridge is closed. */
  acceptBridge(sdpAnswer: string): Promise<void>;
  /** Close a bridge that will not be used (the call goes on without one). Idempotent. */
  closeBridge(): Promise<void>;
  /** Current counts (a media worker's are pushed every MEDIA_STATS_EVERY_MS, so they may lag by that much). */
  stats(): CallMediaStats;
  /** Add the bridge's hop counts to `into` (live /metrics); nothing without a bridge. */
  addTotals(into: Record<MediaHop, HopCount>): void;
  /** Stop the media; resolves with the final counts. Sockets and the WebRTC peer are released after. Idempotent. */
  close(): Promise<CallMediaStats>;
}

export interface CallMediaOpenOptions {
  /** Open a port for presentation content (a=content:slides) when the offer has it. */
  content: boolean;
  /** The media stopped on its own (its worker died); the call cannot carry media any more. */
  onFailed(reason: string): void;
}

/** How the node opens a call's media (in its own thread, or on a media worker). */
export type OpenCallMedia = (callId: string, offer: SessionDescription, options: CallMediaOpenOptions) => Promise<CallMediaHandle>;

/**
 * One 20 ms ticker per thread drives every call's player (N calls cost one timer, not N), and stops itself
 * when no call is playing.
 */
export class MediaTicker {
  readonly #players = new Set<{ tick(): void }>();
  #timer: NodeJS.Timeout | null = null;
  /** false: signalling-only (nothing is sent; used by benchmarks that measure signalling). */
  readonly enabled: boolean;

  constructor(enabled = true) {
    this.enabled = enabled;
  }

  add(m: { tick(): void }): void {
    if (!this.enabled) return;
    this.#players.add(m);
    this.#timer ??= setInterval(() => {
      for (const p of this.#players) p.tick();
    }, 20);
  }

  remove(m: { tick(): void }): void {
    this.#players.delete(m);
    if (this.#players.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }
}

export interface CallMediaOptions {
  /** The node's address: the RTP ports and the WebRTC leg bind here. */
  address: string;
  ticker: MediaTicker;
  content?: boolean;
  /** Batched UDP I/O for the RTP ports and the bridge's WebRTC leg (ConferencingNodeOptions.batchedIo). */
  batchedIo?: boolean;
  logger?: Logger;
}

/**
 * The node's side of one call's RTP, in the thread that runs it: RTP ports on the node's address, a 20 ms
 * player that sends the marked frames of the current state (reception prompt, lobby splash, meeting) to the
 * caller, and the RFC 4733 telephone-event receiver for Virtual Reception digits. Once a media bridge is
 * accepted (`acceptBridge`), the meeting state forwards Meet's media instead of playing frames, and the lobby
 * splash goes out through the bridge (one SSRC for both) with a probe trailer whose origin names the state
 * (`node-lobby`).
 */
export class CallMedia implements CallMediaHandle {
  readonly rtp: RtpPort;
  /** A second RTP port when the caller offers video. */
  readonly videoRtp: RtpPort | null;
  /** Presentation content (a=content:slides), opened only when asked for (`content: true`). */
  readonly contentRtp: RtpPort | null;
  readonly ports: CallMediaPorts;
  readonly remote: { address: string; port: number } | null;
  readonly telephoneEventPt: number | null;
  readonly #address: string;
  readonly #batchedIo: boolean;
  readonly #offer: SessionDescription;
  readonly #ticker: MediaTicker;
  readonly #log: Logger;
  #state: MarkedState | null = null;
  #frame: Buffer | null = null;
  #onKey: ((key: string) => void) | null = null;
  /** Opened (offer made); it carries the call's media only once `#bridged`. */
  #bridge: CallBridge | null = null;
  #bridged = false;
  #closed = false;
  #released: Promise<void> = Promise.resolve();
  #probeSeq = 0;
  readonly #probeStreamId = Math.floor(Math.random() * 0xffffffff) >>> 0;

  private constructor(rtp: RtpPort, videoRtp: RtpPort | null, contentRtp: RtpPort | null, offer: SessionDescription, options: CallMediaOptions) {
    this.#address = options.address;
    this.#batchedIo = options.batchedIo === true;
    this.#offer = offer;
    this.#ticker = options.ticker;
    this.#log = options.logger ?? silentLogger;
    this.rtp = rtp;
    this.videoRtp = videoRtp;
    this.contentRtp = contentRtp;
    this.ports = { audio: rtp.port, video: videoRtp?.port ?? null, content: contentRtp?.port ?? null };
    const audio = offer.media.find((m) => m.type === 'audio' && m.port > 0);
    const address = audio?.connections[0]?.address ?? offer.connection?.address;
    this.remote = audio && address ? { address, port: audio.port } : null;
    const te = audio ? rtpMaps(audio).find((m) => m.encodingName.toLowerCase() === 'telephone-event') : undefined;
    this.telephoneEventPt = te?.payloadType ?? null;
    const receiver = new TelephoneEventReceiver();
    rtp.onPacket((h, payload) => {
      if (this.telephoneEventPt === null || h.payloadType !== this.telephoneEventPt || !this.#onKey) return;
      const key = receiver.receive(h.timestamp, payload);
      if (key) this.#onKey(key);
    });
  }

  static async open(offer: SessionDescription, options: CallMediaOptions): Promise<CallMedia> {
    const { address } = options;
    const wantsVideo = offer.media.some((m) => m.type === 'video' && m.port > 0);
    const wantsContent = options.content === true && offer.media.some((m) => m.port > 0 && isSlides(m));
    const io = { batchedIo: options.batchedIo === true };
    const [audio, video, content] = await Promise.all([RtpPort.open(address, io), wantsVideo ? RtpPort.open(address, io) : null, wantsContent ? RtpPort.open(address, io) : null]);
    return new CallMedia(audio, video, content, offer, options);
  }

  /** The bridge that carries the call's media, or null. */
  get bridge(): CallBridge | null {
    return this.#bridged ? this.#bridge : null;
  }

  get state(): MarkedState | null {
    return this.#state;
  }

  /** Resolves once sockets and peer are closed after `close()`. */
  get released(): Promise<void> {
    return this.#released;
  }

  onKey(fn: ((key: string) => void) | null): void {
    this.#onKey = fn;
  }

  /** Joins the thread's 20 ms ticker on first use. */
  play(state: MarkedState): void {
    if (this.#closed) return;
    this.#state = state;
    const bridge = this.bridge;
    if (bridge) {
      bridge.setForwarding(state === 'meeting');
      if (state === 'meeting') {
        this.#frame = null;
        this.#ticker.remove(this);
        return;
      }
      // the marked frame with a probe trailer (written per packet): the origin says who is speaking
      this.#frame = Buffer.concat([markedFrame(state), Buffer.alloc(PROBE_BYTES)]);
    } else {
      this.#frame = markedFrame(state);
    }
    if (this.remote) this.#ticker.add(this);
  }

  /** @internal One 20 ms frame of the current state. */
  tick(): void {
    if (!this.#frame || !this.remote) return;
    const bridge = this.bridge;
    if (bridge && this.#state) {
      writeProbe(this.#frame, this.#frame.length, this.#probeStreamId, this.#probeSeq++, probeClockUs(), ORIGIN_OF_STATE[this.#state]);
      bridge.sendLocal('audio', this.#frame, 160);
    } else {
      this.rtp.send(this.remote, 0, this.#frame, 160);
    }
  }

  async openBridge(answer: SessionDescription, name: string): Promise<string> {
    if (this.#closed) throw new GwsimError('GWSIM_ERR_CLOSED', 'call media closed');
    if (this.#bridge) throw new GwsimError('GWSIM_ERR_ILLEGAL_STATE', 'a bridge is already open');
    const bridge = await openCallBridge({ address: this.#address, offer: this.#offer, answer, media: this, name, batchedIo: this.#batchedIo, logger: this.#log });
    if (this.#closed) {
      // the call ended while the peer was being set up
      await bridge.close();
      throw new GwsimError('GWSIM_ERR_CLOSED', 'call media closed');
    }
    this.#bridge = bridge;
    return bridge.offer;
  }

  async acceptBridge(sdpAnswer: string): Promise<void> {
    const bridge = this.#bridge;
    if (!bridge) throw new GwsimError('GWSIM_ERR_ILLEGAL_STATE', 'no bridge open');
    try {
      await bridge.accept(sdpAnswer);
    } catch (err) {
      await this.closeBridge();
      throw err;
    }
    if (this.#closed || this.#bridge !== bridge) throw new GwsimError('GWSIM_ERR_CLOSED', 'call media closed');
    this.#bridged = true;
    // the current state's frames change form (probe trailer, through the bridge)
    if (this.#state) this.play(this.#state);
  }

  async closeBridge(): Promise<void> {
    const bridge = this.#bridge;
    if (!bridge || this.#closed) return;
    const wasBridged = this.#bridged;
    this.#bridge = null;
    this.#bridged = false;
    if (wasBridged && this.#state) this.play(this.#state);
    await bridge.close();
  }

  stats(): CallMediaStats {
    return { rtp: { packetsIn: this.rtp.stats.packetsIn, packetsOut: this.rtp.stats.packetsOut }, bridge: this.bridge?.stats() ?? null };
  }

  addTotals(into: Record<MediaHop, HopCount>): void {
    this.bridge?.addTotals(into);
  }

  /** The counts are final at once (the bridge stops forwarding, the player stops); `released` follows. */
  close(): Promise<CallMediaStats> {
    if (!this.#closed) {
      this.#closed = true;
      this.#ticker.remove(this);
      this.#onKey = null;
      this.#released = Promise.all([this.#bridge?.close(), this.rtp.close(), this.videoRtp?.close(), this.contentRtp?.close()]).then(
        () => {},
        (err: Error) => this.#log.warn('call media not released cleanly', { error: err.message }),
      );
    }
    return Promise.resolve(this.stats());
  }
}
