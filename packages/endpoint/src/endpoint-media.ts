import { ConfigError, GwsimError, sleep } from '@gwsim/common';
import {
  createAnswer,
  createOffer,
  DEFAULT_AUDIO_CODECS,
  dtmfEvent,
  encodeTelephoneEvent,
  isLoopbackAddress,
  MediaSession,
  mediaTargets,
  parseSdp,
  payloadOrigin,
  rtpMaps,
  RtpPort,
  serializeSdp,
  Ticker,
  VP8_CODEC,
  type CodecPreferences,
  type LatencyHistogram,
  type MarkedState,
  type MediaSessionStats,
  type ProbeOrigin,
  type RtpCodec,
  type SessionDescription,
  type StreamName,
} from '@gwsim/media';

/** Payload type for telephone-events when the answer names none (the one our offer uses). */
const DEFAULT_TELEPHONE_EVENT_PT = 101;

export type EndpointAudioCodec = 'pcmu' | 'opus';
export const ENDPOINT_AUDIO_CODECS: readonly EndpointAudioCodec[] = Object.freeze(['pcmu', 'opus']);

/**
 * What a persona's calls offer and send when they carry measured media (persona option `media`): synthetic
 * probe media (`MediaSession` of @gwsim/media) on audio and, when asked, main video and presentation content
 * (`a=content:slides`), sent from the moment the call is answered and measured per stream.
 */
export interface EndpointMediaOptions {
  /** Audio codec offered and sent: `pcmu` (default, 20 ms G.711 µ-law) or `opus` (20 ms, 32 kbit/s). */
  readonly audio?: EndpointAudioCodec;
  /** Also offer and send main video: VP8, 30 fps, 300 kbit/s. */
  readonly video?: boolean;
  /** Also offer and send presentation content (`a=content:slides`): VP8, 5 fps, 150 kbit/s. */
  readonly content?: boolean;
}

/** Rates of the synthetic video: a room system's main video and slides, kept modest for loopback runs. */
const VIDEO_BITRATE = 300_000;
const CONTENT_BITRATE = 150_000;
const RTCP_INTERVAL_MS = 1000;

const TELEPHONE_EVENT_CODEC = DEFAULT_AUDIO_CODECS.find((c) => c.name === 'telephone-event')!;
const AUDIO_CODEC: Readonly<Record<EndpointAudioCodec, RtpCodec>> = {
  pcmu: DEFAULT_AUDIO_CODECS.find((c) => c.name === 'PCMU')!,
  opus: DEFAULT_AUDIO_CODECS.find((c) => c.name === 'opus')!,
};

/**
 * Who produced a received payload → where the caller is. Marked frames (a node without a bridge) read as
 * their `node-*` origin; through a bridge the lobby splash carries `node-lobby` and, in the meeting, the
 * caller's own probes come back from Meet (`meet-echo`) or Meet sends its own (`meet-synthetic`).
 */
const STATE_OF_ORIGIN: Readonly<Partial<Record<ProbeOrigin, MarkedState>>> = {
  'node-reception': 'reception',
  'node-lobby': 'lobby',
  'node-meeting': 'meeting',
  'meet-echo': 'meeting',
  'meet-synthetic': 'meeting',
};

/** One timer drives every measured call of the process (a Ticker runs only while it has members). */
const TICKER = new Ticker({ intervalMs: 10 });

/** Check a persona's `media` option and its address; returns the option with its defaults. */
export function endpointMediaOptions(media: EndpointMediaOptions, address: string, path = 'media'): Required<EndpointMediaOptions> {
  if (typeof media !== 'object' || media === null) throw new ConfigError(path, 'must be an object { audio?, video?, content? }');
  const audio = media.audio ?? 'pcmu';
  if (!ENDPOINT_AUDIO_CODECS.includes(audio)) throw new ConfigError(`${path}.audio`, `must be one of ${ENDPOINT_AUDIO_CODECS.join(', ')}, got ${JSON.stringify(audio)}`);
  for (const key of ['video', 'content'] as const) {
    if (media[key] !== undefined && typeof media[key] !== 'boolean') throw new ConfigError(`${path}.${key}`, `must be true or false, got ${JSON.stringify(media[key])}`);
  }
  if (!isLoopbackAddress(address)) throw new ConfigError('address', `measured media (option ${path}) needs a loopback address, got ${JSON.stringify(address)}`);
  return { audio, video: media.video ?? false, content: media.content ?? false };
}

/**
 * An endpoint's media leg, shared by every persona: what it offers, where the answer says to send, which
 * states (reception prompt, lobby, meeting) the far end's media says the caller is in, and RFC 4733
 * telephone-events.
 *
 * Two kinds: the plain audio leg (no `media` option) — one RTP port, a PCMU offer, 20 ms frames of silence
 * from `startMedia()`, nothing measured — and the measured leg (`media` option) — a MediaSession with a port
 * per stream, probe media from the answer on, and per-stream statistics (`mediaStats()`). Either recognises
 * the node's marked frames and, through a media bridge, the probe origins.
 */
export class EndpointMedia {
  /** The audio RTP port (telephone-events go out on it too). */
  readonly rtp: RtpPort;
  /** The measured session, or null for the plain audio leg. */
  readonly session: MediaSession | null;
  readonly options: Required<EndpointMediaOptions> | null;
  /** Media states seen, in order, with the time each was first received. */
  readonly mediaStates: Array<{ state: MarkedState; at: number }> = [];
  #remote: { address: string; port: number } | null = null;
  #telephoneEventPt = DEFAULT_TELEPHONE_EVENT_PT;
  #timer: NodeJS.Timeout | null = null;
  #started = false;
  #waiters = new Set<() => void>();
  #ended = false;

  private constructor(rtp: RtpPort, session: MediaSession | null, options: Required<EndpointMediaOptions> | null) {
    this.rtp = rtp;
    this.session = session;
    this.options = options;
    rtp.onPacket((_h, payload) => {
      const origin = payloadOrigin(payload);
      const state = origin === null ? undefined : STATE_OF_ORIGIN[origin];
      if (state && this.mediaStates.at(-1)?.state !== state) {
        this.mediaStates.push({ state, at: Date.now() });
        this.#wake();
      }
    });
  }

  /** The plain audio leg, or with `media` the measured one (options as `endpointMediaOptions` returns them). */
  static async open(address: string, media?: EndpointMediaOptions | null): Promise<EndpointMedia> {
    if (!media) return new EndpointMedia(await RtpPort.open(address), null, null);
    const options = endpointMediaOptions(media, address);
    const streams: StreamName[] = ['audio'];
    if (options.video) streams.push('video');
    if (options.content) streams.push('content');
    const session = await MediaSession.open({
      address,
      streams,
      audio: { codec: options.audio },
      video: { bitrate: VIDEO_BITRATE },
      content: { bitrate: CONTENT_BITRATE },
      rtcpIntervalMs: RTCP_INTERVAL_MS,
    });
    return new EndpointMedia(session.port('audio'), session, options);
  }

  /** A plain RTP/AVP offer for our ports: PCMU, PCMA, Opus, telephone-event — or, measured, what we send. */
  offer(username: string): string {
    if (!this.session) return serializeSdp(createOffer({ address: this.rtp.address, audioPort: this.rtp.port, username }));
    return serializeSdp(createOffer({ address: this.rtp.address, audioPort: this.rtp.port, videoPort: this.#port('video'), contentPort: this.#port('content'), rtcpMux: true, codecs: this.#codecs(), username }));
  }

  /** Our answer to an offer the peer sends (a re-INVITE), on the same ports. */
  answer(offerSdp: string, username: string): string {
    const options = { address: this.rtp.address, audioPort: this.rtp.port, videoPort: this.#port('video'), contentPort: this.#port('content'), username };
    return serializeSdp(createAnswer(parseSdp(offerSdp), this.session ? { ...options, codecs: this.#codecs() } : options));
  }

  /**
   * Take the remote description: where to send each stream, and its telephone-event payload type. A measured
   * leg starts sending here (the call is answered).
   */
  setRemote(sdp: string): void {
    const sd = parsed(sdp);
    const audio = sd ? audioOf(sd) : null;
    this.#remote = audio?.target ?? null;
    this.#telephoneEventPt = audio?.telephoneEventPt ?? DEFAULT_TELEPHONE_EVENT_PT;
    const s = this.session;
    if (!s || this.#ended) return;
    const targets = sd ? mediaTargets(sd) : {};
    for (const name of s.streams) {
      const t = targets[name];
      s.setRemote(name, t && isLoopbackAddress(t.address) ? { address: t.address, port: t.port } : null);
    }
    this.startMedia();
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

  /**
   * Start sending to the remote: the measured leg's probe media on every stream the answer accepted (already
   * running from the answer), or 20 ms G.711 µ-law frames of silence with a counter (so each payload differs).
   */
  startMedia(): void {
    if (this.#started || this.#ended) return;
    if (this.session) {
      this.#started = true;
      this.session.start(TICKER);
      return;
    }
    const to = this.#remote;
    if (!to) return;
    this.#started = true;
    const payload = Buffer.alloc(160, 0xff);
    let n = 0;
    this.#timer = setInterval(() => {
      payload.writeUInt32BE(n++, 0);
      this.rtp.send(to, 0, payload, 160);
    }, 20);
  }

  /** Per-stream figures of the measured leg (sent, received, loss, jitter, RTT, MOS); null for the plain leg. */
  mediaStats(): MediaSessionStats | null {
    return this.session?.stats() ?? null;
  }

  /** Round trips of a stream's own probes (to merge across calls); null for the plain leg or a stream we lack. */
  rttHistogram(stream: StreamName): LatencyHistogram | null {
    return this.session?.latency(stream)?.rtt ?? null;
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

  /** Stop sending, close the ports (a measured leg sends RTCP BYE first), release every `waitForMedia`. Idempotent. */
  async end(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    if (!this.#ended) {
      this.#ended = true;
      this.#wake();
    }
    await (this.session ? this.session.close() : this.rtp.close());
  }

  #port(name: StreamName): number | undefined {
    const s = this.session;
    return s?.streams.includes(name) ? s.port(name).port : undefined;
  }

  #codecs(): CodecPreferences {
    return { audio: [AUDIO_CODEC[this.options!.audio], TELEPHONE_EVENT_CODEC], video: [VP8_CODEC] };
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

function parsed(sdp: string): SessionDescription | null {
  try {
    return parseSdp(sdp);
  } catch {
    return null;
  }
}

function audioOf(sd: SessionDescription): { target: { address: string; port: number } | null; telephoneEventPt: number | null } | null {
  const audio = sd.media.find((m) => m.type === 'audio' && m.port > 0);
  if (!audio) return null;
  const address = audio.connections[0]?.address ?? sd.connection?.address;
  const te = rtpMaps(audio).find((m) => m.encodingName.toLowerCase() === 'telephone-event');
  return { target: address ? { address, port: audio.port } : null, telephoneEventPt: te?.payloadType ?? null };
}
