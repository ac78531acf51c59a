/**
 * The Meet host's WebRTC answerer (JSEP answerer, RFC 8829 §5.3) for gateway joins that carry an SDP offer.
 *
 * Order of work, so that a refused join costs nothing and a join is applied completely or not at all:
 * check the offer (400 on `sdpOffer`) → ask the service whether the join would be let in (a refusal is
 * answered by the service as usual, no peer) → create a werift peer on the Meet host's loopback address and
 * answer the offer → join for real. If the join is refused after all (the meeting filled up while answering)
 * or answering fails, the peer is closed and nothing remains.
 *
 * Convention: a lobby join is answered at once, so ICE and DTLS come up while the caller waits; media is
 * held (nothing sent, nothing echoed) until the participant is admitted, then the media mode runs: `echo`
 * sends back every RTP packet per track, `synthetic` sends recognisable packets at a fixed rate. The peer
 * closes when the join ends for any reason (left, denied, timed out, removed, meeting ended, service closed).
 */
import { ConfigError, GwsimError, silentLogger, type Logger } from '@gwsim/common';
import { checkWebRtcOffer, DEFAULT_SYNTHETIC_INTERVAL_MS, mediaLoop, requireLoopbackAddress, WebRtcPeer, type MediaLoop, type MediaMode, type WebRtcPeerDump } from '@gwsim/media';
import { MeetError } from './errors.ts';
import type { JoinEvent, JoinView } from './model.ts';
import type { JoinOutcome, MeetService } from './service.ts';
import type { JoinRequest } from './specs.ts';

export const DEFAULT_ANSWER_TIMEOUT_MS = 5_000;
export const DEFAULT_MEDIA_CONNECT_TIMEOUT_MS = 30_000;

export interface WebRtcAnswererOptions {
  /** The Meet host's loopback address; every peer binds here. */
  readonly address: string;
  /** What the Meet side does with media once a participant is in (default `echo`). */
  readonly mode?: MediaMode;
  /** Packet interval of the synthetic mode (default 20 ms per track). */
  readonly syntheticIntervalMs?: number;
  /** Deadline for producing an SDP answer (default 5 s); past it the join fails with MEDIA_FAILED. */
  readonly answerTimeoutMs?: number;
  /** A peer that has not connected this long after the answer is logged as a warning (default 30 s). */
  readonly connectTimeoutMs?: number;
  readonly logger?: Logger;
}

export type MediaJoinOutcome = (Extract<JoinOutcome, { ok: true }> & { readonly sdpAnswer: string }) | Extract<JoinOutcome, { ok: false }>;

export type MediaState = 'held' | 'flowing' | 'closed';

export interface AnswererPeerDump {
  readonly joinId: string;
  readonly media: MediaState;
  readonly peer: WebRtcPeerDump;
}

export interface WebRtcAnswererDump {
  readonly address: string;
  readonly mode: MediaMode;
  readonly closed: boolean;
  readonly peers: readonly AnswererPeerDump[];
}

interface Leg {
  readonly joinId: string;
  readonly peer: WebRtcPeer;
  readonly loop: MediaLoop;
}

export class WebRtcAnswerer {
  readonly address: string;
  readonly mode: MediaMode;
  readonly #service: MeetService;
  readonly #options: WebRtcAnswererOptions;
  readonly #log: Logger;
  readonly #legs = new Map<string, Leg>();
  /** Peers being answered or closed, so that close() can wait for them. */
  readonly #pending = new Set<Promise<unknown>>();
  readonly #unsubscribe: () => void;
  #closing: Promise<void> | undefined;

  constructor(service: MeetService, options: WebRtcAnswererOptions) {
    this.address = requireLoopbackAddress(options.address, 'media.address');
    this.mode = options.mode ?? 'echo';
    if (this.mode !== 'echo' && this.mode !== 'synthetic') throw new ConfigError('media.mode', `must be 'echo' or 'synthetic', got ${JSON.stringify(this.mode)}`);
    this.#service = service;
    this.#options = options;
    this.#log = options.logger ?? silentLogger;
    this.#unsubscribe = service.on('joinEvent', (e) => this.#onJoinEvent(e));
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Peers not yet closed. */
  get size(): number {
    return this.#legs.size;
  }

  /** The peer answering a join (tests and diagnostics). */
  peer(joinId: string): WebRtcPeer | undefined {
    return this.#legs.get(joinId)?.peer;
  }

  /** Join with `request.sdpOffer` (required here); see the file comment for the order of work. */
  async join(secret: string, request: JoinRequest): Promise<MediaJoinOutcome> {
    if (this.closed) throw new GwsimError('GWSIM_ERR_CLOSED', 'The WebRTC answerer is closed.');
    const offer = request.sdpOffer;
    if (offer === undefined) throw new ConfigError('sdpOffer', 'is required for a WebRTC join');
    const check = checkWebRtcOffer(offer);
    if (!check.ok) throw new ConfigError('sdpOffer', check.problem);
    if (!this.#service.check(secret, request).ok) {
      // Refused: let the service answer (and log and report) it. Nothing is awaited in between, so the
      // answer is the same refusal.
      const refused = this.#service.join(secret, request);
      if (!refused.ok) return refused;
      throw new GwsimError('GWSIM_ERR_ILLEGAL_STATE', 'the join check and the join disagree');
    }
    const work = this.#answerAndJoin(secret, request, offer);
    this.#pending.add(work);
    try {
      return await work;
    } finally {
      this.#pending.delete(work);
    }
  }

  dump(): WebRtcAnswererDump {
    return {
      address: this.address,
      mode: this.mode,
      closed: this.closed,
      peers: [...this.#legs.values()].map((leg) => ({ joinId: leg.joinId, media: leg.loop.running ? 'flowing' : 'held', peer: leg.peer.dump() })),
    };
  }

  /** Close every peer and stop listening to the service. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#unsubscribe();
      await Promise.allSettled([...this.#pending]);
      await Promise.allSettled([...this.#legs.keys()].map((joinId) => this.#closeLeg(joinId)));
      await Promise.allSettled([...this.#pending]);
    })();
    return this.#closing;
  }

  async #answerAndJoin(secret: string, request: JoinRequest, offer: string): Promise<MediaJoinOutcome> {
    const peer = await WebRtcPeer.create({ address: this.address, name: 'meet', batchedIo: true, logger: this.#log });
    let sdpAnswer: string;
    try {
      sdpAnswer = await this.#withDeadline(peer.acceptOffer(offer));
    } catch (err) {
      await peer.close();
      // Not the werift message: it may quote the offer. The offer passed checkWebRtcOffer, so this is ours.
      this.#log.warn('webrtc answer failed', { error: err instanceof Error ? err.name : 'error' });
      throw new MeetError('MEDIA_FAILED', undefined, { cause: err });
    }
    let outcome: JoinOutcome;
    try {
      if (this.closed) throw new GwsimError('GWSIM_ERR_CLOSED', 'The WebRTC answerer is closed.');
      outcome = this.#service.join(secret, request);
    } catch (err) {
      await peer.close();
      throw err;
    }
    if (!outcome.ok) {
      await peer.close();
      return outcome;
    }
    this.#attach(outcome.join, peer);
    return { ...outcome, sdpAnswer };
  }

  #attach(join: JoinView, peer: WebRtcPeer): void {
    const loop = mediaLoop(this.mode, peer, { intervalMs: this.#options.syntheticIntervalMs ?? DEFAULT_SYNTHETIC_INTERVAL_MS });
    this.#legs.set(join.joinId, { joinId: join.joinId, peer, loop });
    if (join.state === 'joined') loop.start();
    this.#log.debug('webrtc leg answered', { joinId: join.joinId, state: join.state, mode: this.mode });
    const timeoutMs = this.#options.connectTimeoutMs ?? DEFAULT_MEDIA_CONNECT_TIMEOUT_MS;
    peer.waitConnected(timeoutMs).then(
      () => this.#log.debug('webrtc leg connected', { joinId: join.joinId }),
      () => {
        if (!peer.closed) this.#log.warn('webrtc leg not connected', { joinId: join.joinId, state: peer.state, timeoutMs });
      },
    );
  }

  #onJoinEvent(e: JoinEvent): void {
    const leg = this.#legs.get(e.joinId);
    if (!leg) return;
    if (e.type === 'admitted') {
      leg.loop.start();
      this.#log.debug('webrtc media flowing', { joinId: e.joinId });
    } else if (e.state === 'disconnected') {
      void this.#closeLeg(e.joinId);
    }
  }

  #closeLeg(joinId: string): Promise<void> {
    const leg = this.#legs.get(joinId);
    if (!leg) return Promise.resolve();
    this.#legs.delete(joinId);
    leg.loop.stop();
    const closing = leg.peer.close().catch((err: unknown) => {
      this.#log.warn('webrtc close failed', { joinId, error: err instanceof Error ? err.name : 'error' });
    });
    this.#pending.add(closing);
    void closing.finally(() => this.#pending.delete(closing));
    this.#log.debug('webrtc leg closed', { joinId });
    return closing;
  }

  #withDeadline<T>(work: Promise<T>): Promise<T> {
    const ms = this.#options.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new GwsimError('GWSIM_ERR_TIMEOUT', `no SDP answer within ${ms} ms`)), ms);
    });
    return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
  }
}
