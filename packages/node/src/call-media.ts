import { isSlides, markedFrame, PROBE_BYTES, probeClockUs, rtpMaps, RtpPort, TelephoneEventReceiver, writeProbe, type MarkedState, type ProbeOrigin, type SessionDescription } from '@gwsim/media';
import type { CallBridge } from './call-bridge.ts';

const ORIGIN_OF_STATE: Readonly<Record<MarkedState, ProbeOrigin>> = { lobby: 'node-lobby', meeting: 'node-meeting', reception: 'node-reception' };

/**
 * One 20 ms ticker per node drives every call's player (N calls cost one timer, not N), and stops itself
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

/**
 * The node's side of one call's RTP: an RTP port on the node's address, a 20 ms player that sends the marked
 * frames of the current state (reception prompt, lobby splash, meeting) to the caller, and the RFC 4733
 * telephone-event receiver for Virtual Reception digits. With a media bridge attached (`attachBridge`), the
 * meeting state forwards Meet's media instead of playing frames, and the lobby splash goes out through the
 * bridge (one SSRC for both) with a probe trailer whose origin names the state (`node-lobby`).
 */
export class CallMedia {
  readonly rtp: RtpPort;
  /** A second RTP port when the caller offers video (the node accepts it; media bridging is the media issue). */
  readonly videoRtp: RtpPort | null;
  /** Presentation content (a=content:slides), opened only when asked for (`open(…, { content: true })`). */
  readonly contentRtp: RtpPort | null;
  readonly remote: { address: string; port: number } | null;
  readonly telephoneEventPt: number | null;
  #state: MarkedState | null = null;
  #ticker: MediaTicker;
  #frame: Buffer | null = null;
  #onKey: ((key: string) => void) | null = null;
  #bridge: CallBridge | null = null;
  #probeSeq = 0;
  readonly #probeStreamId = Math.floor(Math.random() * 0xffffffff) >>> 0;

  private constructor(rtp: RtpPort, videoRtp: RtpPort | null, contentRtp: RtpPort | null, offer: SessionDescription, ticker: MediaTicker) {
    this.#ticker = ticker;
    this.rtp = rtp;
    this.videoRtp = videoRtp;
    this.contentRtp = contentRtp;
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

  static async open(address: string, offer: SessionDescription, ticker: MediaTicker, options: { content?: boolean } = {}): Promise<CallMedia> {
    const wantsVideo = offer.media.some((m) => m.type === 'video' && m.port > 0);
    const wantsContent = options.content === true && offer.media.some((m) => m.port > 0 && isSlides(m));
    const [audio, video, content] = await Promise.all([RtpPort.open(address), wantsVideo ? RtpPort.open(address) : null, wantsContent ? RtpPort.open(address) : null]);
    return new CallMedia(audio, video, content, offer, ticker);
  }

  get bridge(): CallBridge | null {
    return this.#bridge;
  }

  /** Carry the call's media through a bridge from now on (see the class comment). */
  attachBridge(bridge: CallBridge): void {
    this.#bridge = bridge;
  }

  get state(): MarkedState | null {
    return this.#state;
  }

  /** Keys the caller sends as RFC 4733 telephone-events. */
  onKey(fn: ((key: string) => void) | null): void {
    this.#onKey = fn;
  }

  /** Switch what the caller hears/sees; joins the node's 20 ms ticker on first use. */
  play(state: MarkedState): void {
    this.#state = state;
    const bridge = this.#bridge;
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
    if (this.#bridge && this.#state) {
      writeProbe(this.#frame, this.#frame.length, this.#probeStreamId, this.#probeSeq++, probeClockUs(), ORIGIN_OF_STATE[this.#state]);
      this.#bridge.sendLocal('audio', this.#frame, 160);
    } else {
      this.rtp.send(this.remote, 0, this.#frame, 160);
    }
  }

  async close(): Promise<void> {
    this.#ticker.remove(this);
    await Promise.all([this.#bridge?.close(), this.rtp.close(), this.videoRtp?.close(), this.contentRtp?.close()]);
  }
}
