import { markedFrame, rtpMaps, RtpPort, TelephoneEventReceiver, type MarkedState, type SessionDescription } from '@gwsim/media';

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
  #timer: NodeJS.Timeout | null = null;
  #frame: Buffer | null = null;
  #onKey: ((key: string) => void) | null = null;

  private constructor(rtp: RtpPort, videoRtp: RtpPort | null, offer: SessionDescription) {
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

  static async open(address: string, offer: SessionDescription): Promise<CallMedia> {
    const wantsVideo = offer.media.some((m) => m.type === 'video' && m.port > 0);
    const [audio, video] = await Promise.all([RtpPort.open(address), wantsVideo ? RtpPort.open(address) : null]);
    return new CallMedia(audio, video, offer);
  }

  get state(): MarkedState | null {
    return this.#state;
  }

  /** Keys the caller sends as RFC 4733 telephone-events. */
  onKey(fn: ((key: string) => void) | null): void {
    this.#onKey = fn;
  }

  /** Switch what the caller hears/sees; starts the 20 ms player on first use. */
  play(state: MarkedState): void {
    this.#state = state;
    this.#frame = markedFrame(state);
    if (this.#timer || !this.remote) return;
    this.#timer = setInterval(() => {
      if (this.#frame && this.remote) this.rtp.send(this.remote, 0, this.#frame, 160);
    }, 20);
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await Promise.all([this.rtp.close(), this.videoRtp?.close()]);
  }
}
