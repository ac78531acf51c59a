import { markedFrame, rtpMaps, RtpPort, TelephoneEventReceiver, type MarkedState, type SessionDescription } from '@gwsim/media';

/**
 * One 20 ms ticker per node drives every call's player (N calls cost one timer, not N), and stops itself
 * when no call is playing.
 */
export class MediaTicker {
  readonly #players = new Set<CallMedia>();
  #timer: NodeJS.Timeout | null = null;
  /** false: signalling-only (nothing is sent; used by benchmarks that measure signalling). */
  readonly enabled: boolean;

  constructor(enabled = true) {
    this.enabled = enabled;
  }

  add(m: CallMedia): void {
    if (!this.enabled) return;
    this.#players.add(m);
    this.#timer ??= setInterval(() => {
      for (const p of this.#players) p.tick();
    }, 20);
  }

  remove(m: CallMedia): void {
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
 * telephone-event receiver for Virtual Reception digits.
 */
export class CallMedia {
  readonly rtp: RtpPort;
  /** A second RTP port when the caller offers video (the node accepts it; media bridging is the media issue). */
  readonly videoRtp: RtpPort | null;
  readonly remote: { address: string; port: number } | null;
  readonly telephoneEventPt: number | null;
  #state: MarkedState | null = null;
  #ticker: MediaTicker;
  #frame: Buffer | null = null;
  #onKey: ((key: string) => void) | null = null;

  private constructor(rtp: RtpPort, videoRtp: RtpPort | null, offer: SessionDescription, ticker: MediaTicker) {
    this.#ticker = ticker;
    this.rtp = rtp;
    this.videoRtp = videoRtp;
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

  static async open(address: string, offer: SessionDescription, ticker: MediaTicker): Promise<CallMedia> {
    const wantsVideo = offer.media.some((m) => m.type === 'video' && m.port > 0);
    const [audio, video] = await Promise.all([RtpPort.open(address), wantsVideo ? RtpPort.open(address) : null]);
    return new CallMedia(audio, video, offer, ticker);
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
    this.#frame = markedFrame(state);
    if (this.remote) this.#ticker.add(this);
  }

  /** @internal One 20 ms frame of the current state. */
  tick(): void {
    if (this.#frame && this.remote) this.rtp.send(this.remote, 0, this.#frame, 160);
  }

  async close(): Promise<void> {
    this.#ticker.remove(this);
    await Promise.all([this.rtp.close(), this.videoRtp?.close()]);
  }
}
