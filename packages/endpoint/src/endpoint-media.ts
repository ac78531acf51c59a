import { GwsimError, sleep } from '@gwsim/common';
import { createOffer, dtmfEvent, encodeTelephoneEvent, markedState, parseSdp, rtpMaps, RtpPort, serializeSdp, type MarkedState } from '@gwsim/media';

/** Payload type for telephone-events when the answer names none (the one our offer uses). */
const DEFAULT_TELEPHONE_EVENT_PT = 101;

/**
 * An endpoint's audio leg: one RTP port on the endpoint's address, what it offers, where the answer says to
 * send, and which marked states (`MEDIA_MARKERS`) it has received. Shared by every persona.
 */
export class EndpointMedia {
  readonly rtp: RtpPort;
  /** Marked media states seen, in order, with the time each was first received. */
  readonly mediaStates: Array<{ state: MarkedState; at: number }> = [];
  #remote: { address: string; port: number } | null = null;
  #telephoneEventPt = DEFAULT_TELEPHONE_EVENT_PT;
  #timer: NodeJS.Timeout | null = null;
  #waiters = new Set<() => void>();
  #ended = false;

  constructor(rtp: RtpPort) {
    this.rtp = rtp;
    rtp.onPacket((_h, payload) => {
      const state = markedState(payload);
      if (state && this.mediaStates.at(-1)?.state !== state) {
        this.mediaStates.push({ state, at: Date.now() });
        this.#wake();
      }
    });
  }

  static async open(address: string): Promise<EndpointMedia> {
    return new EndpointMedia(await RtpPort.open(address));
  }

  /** A plain RTP/AVP offer for this port (PCMU, PCMA, Opus, telephone-event). */
  offer(username: string): string {
    return serializeSdp(createOffer({ address: this.rtp.address, audioPort: this.rtp.port, username }));
  }

  /** Take the remote description (the answer): where to send, and its telephone-event payload type. */
  setRemote(sdp: string): void {
    const audio = audioOf(sdp);
    this.#remote = audio?.target ?? null;
    this.#telephoneEventPt = audio?.telephoneEventPt ?? DEFAULT_TELEPHONE_EVENT_PT;
  }

  get remote(): { address: string; port: number } | null {
    return this.#remote;
  }

  get ended(): boolean {
    return this.#ended;
  }

  get mediaState(): MarkedState | null {
    return this.mediaStates.at(-1)?.state ?? null;
  }

  waitForMedia(state: MarkedState, timeoutMs: number): Promise<boolean> {
    if (this.mediaStates.some((m) => m.state === state)) return Promise.resolve(true);
    if (this.#ended) return Promise.resolve(false);
    return new Promise((resolve) => {
      const check = () => {
        const ok = this.mediaStates.some((m) => m.state === state);
        if (ok || this.#ended) done(ok);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(ok);
      };
      this.#waiters.add(check);
    });
  }

  /** 20 ms G.711 µ-law frames of silence with a counter (so each payload differs) to the remote address. */
  startMedia(): void {
    const to = this.#remote;
    if (!to || this.#timer || this.#ended) return;
    const payload = Buffer.alloc(160, 0xff);
    let n = 0;
    this.#timer = setInterval(() => {
      payload.writeUInt32BE(n++, 0);
      this.rtp.send(to, 0, payload, 160);
    }, 20);
  }

  /**
   * One key as RFC 4733 telephone-events: a start packet with the marker bit, two updates, then three end
   * packets, all sharing one timestamp (§2.5).
   */
  async sendTelephoneEvent(key: string): Promise<void> {
    const event = dtmfEvent(key);
    if (event < 0) throw new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', `"${key}" is not a DTMF key (0-9 * # A-D)`);
    const to = this.#remote;
    if (!to) throw new GwsimError('GWSIM_ERR_ILLEGAL_STATE', 'no remote media address to send telephone-events to');
    const pt = this.#telephoneEventPt;
    for (let i = 0; i < 3; i++) {
      this.rtp.send(to, pt, encodeTelephoneEvent({ event, end: false, volume: 10, duration: 160 * (i + 1) }), 0, i === 0);
      await sleep(20);
    }
    for (let i = 0; i < 3; i++) this.rtp.send(to, pt, encodeTelephoneEvent({ event, end: true, volume: 10, duration: 640 }), i === 2 ? 640 : 0);
  }

  /** Stop sending, close the port, and release every `waitForMedia`. Idempotent. */
  async end(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    if (!this.#ended) {
      this.#ended = true;
      this.#wake();
    }
    await this.rtp.close();
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
  }
}

/** Check every key first, then send them `gapMs` apart: a bad key fails before anything is sent. */
export async function sendDtmfKeys(keys: string, gapMs: number, send: (key: string) => Promise<void>): Promise<void> {
  for (const key of keys) {
    if (dtmfEvent(key) < 0) throw new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', `"${key}" is not a DTMF key (0-9 * # A-D)`);
  }
  for (const key of keys) {
    await send(key);
    await sleep(gapMs);
  }
}

function audioOf(sdp: string): { target: { address: string; port: number } | null; telephoneEventPt: number | null } | null {
  try {
    const sd = parseSdp(sdp);
    const audio = sd.media.find((m) => m.type === 'audio' && m.port > 0);
    if (!audio) return null;
    const address = audio.connections[0]?.address ?? sd.connection?.address;
    const te = rtpMaps(audio).find((m) => m.encodingName.toLowerCase() === 'telephone-event');
    return { target: address ? { address, port: audio.port } : null, telephoneEventPt: te?.payloadType ?? null };
  } catch {
    return null;
  }
}
