import { newId, sleep, type Logger, type TimerHandle, type Clock } from '@gwsim/common';
import { routeCall, startVirtualReception, stepVirtualReception, type CallType, type GmsAccessToken, type RoutingConfig, type RoutingVirtualReception, type VrInput } from '@gwsim/dialplan';
import { createAnswer, DEFAULT_AUDIO_CODECS, DEFAULT_VIDEO_CODECS, parseDtmfInfo, parseSdp, serializeSdp, VP8_CODEC, type SessionDescription } from '@gwsim/media';
import type { JoinEvent, MeetInteropClient } from '@gwsim/meet';
import { aorOf, formatReason, type Dialog, type IncomingInvite, type Registrar } from '@gwsim/sip';
import type { BridgeSnapshot, HopCount, MediaHop } from './bridge-stats.ts';
import type { CallMediaHandle, CallMediaStats, OpenCallMedia } from './call-media.ts';
import { callCost, type CallQuality, type CapacityPool } from './capacity.ts';
import { isOutcomeCode, OUTCOMES, reasonHeader, refusalHeaders, type OutcomeCode } from './outcomes.ts';

/** What a bridging node accepts from the endpoint: what it can forward to WebRTC unchanged (Opus, VP8) too. */
const BRIDGE_CODECS = { audio: DEFAULT_AUDIO_CODECS, video: [VP8_CODEC, ...DEFAULT_VIDEO_CODECS] };

/** The Reason on the BYE or 503 a call gets when its node shuts down. */
const SHUTDOWN_REASON = formatReason({ protocol: 'SIP', cause: 503, text: 'Conferencing Node shutting down' });

/** How long node shutdown waits for each caller to answer its BYE. */
export const SHUTDOWN_BYE_WAIT_MS = 1000;

/**
 * How a caller waiting in the lobby is presented (DOMAIN.md §5 convention): `answer` — 200 OK at once and
 * the waiting splash as media until admitted (default); `ringing` — hold the INVITE in 180; `progress` —
 * hold it in 183 with the splash as early media.
 */
export type LobbyPresentation = 'answer' | 'ringing' | 'progress';

export type CallState = 'routing' | 'reception' | 'joining' | 'lobby' | 'connected' | 'ended';

/** A plain snapshot of one gateway call (admin API, tests, reports). */
export interface CallSnapshot {
  id: string;
  sipCallId: string;
  alias: string;
  caller: string;
  state: CallState;
  /** How the call ended for the caller (CONNECTED once it reached the meeting), null while undecided. */
  outcome: OutcomeCode | null;
  rule: string | null;
  token: string | null;
  meetingId: string | null;
  participantId: string | null;
  /** Digits entered at a Virtual Reception. */
  entered: string | null;
  quality: CallQuality | null;
  units: number | null;
  startedAt: number;
  answeredAt: number | null;
  lobbyAt: number | null;
  admittedAt: number | null;
  endedAt: number | null;
  endedBy: 'caller' | 'node' | 'meet' | null;
  /** Why a connected call ended when Meet ended it (VIDEO_LOCKED, MEETING_ENDED, …). */
  endCause: OutcomeCode | null;
  rtp: { packetsIn: number; packetsOut: number } | null;
  /** The media bridge to Meet (node option `bridge`): packets/bytes per hop and loss; null without one. */
  media: BridgeSnapshot | null;
}

export interface CallContext {
  nodeName: string;
  location: string | undefined;
  address: string;
  routing: RoutingConfig;
  meet: MeetInteropClient;
  registrar: Registrar;
  capacity: CapacityPool;
  /** The call's media: in the node's thread, or on a media worker (node option `mediaWorkers`). */
  openMedia: OpenCallMedia;
  /** Carry the call's media to Meet over WebRTC (call-bridge.ts); default off. */
  bridge?: boolean;
  lobby: LobbyPresentation;
  maxQuality: CallQuality;
  receptionDigitTimeoutMs: number;
  retryAfterSeconds: number;
  logger: Logger;
  clock: Clock;
  /** Final response sent (setup finished, successfully or not). */
  onSetupDone(call: GatewayCall): void;
  onEnd(call: GatewayCall): void;
}

type Refusal = Exclude<OutcomeCode, 'CONNECTED'>;

/**
 * One incoming gateway call through its life: route the alias (or collect it at a Virtual Reception), join
 * Meet with the rule's token, answer or refuse per the outcome table, present the lobby, and leave the meeting
 * when either side ends it (DOMAIN.md §5).
 */
export class GatewayCall {
  readonly id = newId();
  readonly #inv: IncomingInvite;
  readonly #ctx: CallContext;
  readonly snapshot: CallSnapshot;
  #offer: SessionDescription | null = null;
  #answerSd: SessionDescription | null = null;
  #answerSdp: string | null = null;
  #media: CallMediaHandle | null = null;
  #reservation: { release(): void } | null = null;
  #dialog: Dialog | null = null;
  /** Resolves with the dialog once the ACK for our 200 arrives (null if it never does). */
  #acknowledged: Promise<Dialog | null> = Promise.resolve(null);
  #answered = false;
  #setupDone = false;
  #joinId: string | null = null;
  #tokenSecret: string | null = null;
  #events: AbortController | null = null;
  #digitTimer: TimerHandle | null = null;
  /** Settles once the media has given its final counts (or failed to). */
  #mediaClosed: Promise<void> = Promise.resolve();

  constructor(inv: IncomingInvite, ctx: CallContext) {
    this.#inv = inv;
    this.#ctx = ctx;
    const req = inv.request;
    this.snapshot = {
      id: this.id, sipCallId: req.callId, alias: req.uri, caller: req.headers.get('From') ?? '', state: 'routing', outcome: null,
      rule: null, token: null, meetingId: null, participantId: null, entered: null, quality: null, units: null,
      startedAt: Date.now(), answeredAt: null, lobbyAt: null, admittedAt: null, endedAt: null, endedBy: null, endCause: null, rtp: null, media: null,
    };
    inv.on('cancelled', () => this.#finish('CANCELLED', 'caller'));
  }

  get state(): CallState {
    return this.snapshot.state;
  }

  get ended(): boolean {
    return this.snapshot.state === 'ended';
  }

  async run(): Promise<void> {
    const req = this.#inv.request;
    try {
      this.#offer = parseSdp(req.body.toString('utf8'));
    } catch (err) {
      return this.#refuseRaw(488, 'Not Acceptable Here', `SDP offer required: ${(err as Error).message}`);
    }
    const registered = this.#ctx.registrar.isRegistered(aorOf(req.from.uri));
    const decision = routeCall(this.#ctx.routing, { alias: req.uri, protocol: 'sip', registered, location: this.#ctx.location });
    if (decision.kind === 'no_match') return this.#refuse('NO_MATCH');
    if (decision.kind === 'unsupported') return this.#refuse('UNSUPPORTED_TARGET');
    const rule = decision.kind === 'gms' ? decision.rule : null;
    if (!(await this.#prepareMedia(rule?.call_type ?? 'auto', rule?.max_callrate_in ?? null))) return;
    if (decision.kind === 'virtual_reception') return this.#reception(decision.reception);
    this.snapshot.rule = decision.rule.name;
    await this.#toMeeting(decision.destination, decision.token);
  }

  /** RTP port, SDP answer and the call's HD-unit reservation; refuses NODE_CAPACITY when it does not fit. */
  async #prepareMedia(callType: CallType, maxCallrateKbps: number | null): Promise<boolean> {
    let media: CallMediaHandle;
    try {
      media = await this.#ctx.openMedia(this.id, this.#offer!, { content: this.#ctx.bridge === true, onFailed: (reason) => this.#mediaFailed(reason) });
    } catch (err) {
      this.#ctx.logger.error('call media not opened', { call: this.id, error: (err as Error).message });
      this.#refuse('NODE_CAPACITY', `media not available: ${(err as Error).message}`, [['Retry-After', String(this.#ctx.retryAfterSeconds)]]);
      return false;
    }
    if (this.ended) {
      await media.close().catch(() => {});
      return false;
    }
    this.#media = media;
    const { ports } = media;
    const answer = createAnswer(this.#offer!, { address: this.#ctx.address, audioPort: ports.audio, videoPort: ports.video ?? undefined, contentPort: ports.content ?? undefined, ...(this.#ctx.bridge && { codecs: BRIDGE_CODECS }), sessionId: String(Date.now()), username: this.#ctx.nodeName });
    this.#answerSd = answer;
    this.#answerSdp = serializeSdp(answer);
    const cost = callCost(this.#offer!, answer, { callType, maxQuality: this.#ctx.maxQuality, maxCallrateKbps });
    this.snapshot.quality = cost.quality;
    this.snapshot.units = cost.units;
    this.#reservation = this.#ctx.capacity.reserve(cost.units);
    if (!this.#reservation) {
      this.#refuse('NODE_CAPACITY', `needs ${cost.units} HD units, ${this.#ctx.capacity.available} free`, [['Retry-After', String(this.#ctx.retryAfterSeconds)]]);
      return false;
    }
    return true;
  }

  async #toMeeting(meetingId: string, token: GmsAccessToken): Promise<void> {
    const req = this.#inv.request;
    this.snapshot.token = token.name;
    this.snapshot.meetingId = meetingId;
    this.snapshot.state = 'joining';
    this.#tokenSecret = token.token;
    const displayName = req.from.displayName ?? req.from.uri.user ?? 'Video system';
    const sdpOffer = this.#ctx.bridge ? await this.#openBridge() : null;
    const result = await this.#ctx.meet.join({ token: token.token, meetingId, displayName, ...(sdpOffer !== null && { sdpOffer }) });
    if (!result.ok) {
      if (sdpOffer !== null) this.#closeBridge();
      return this.#fail(isOutcomeCode(result.code) ? result.code : 'MEET_UNAVAILABLE', 'node', result.message);
    }
    if (sdpOffer !== null) await this.#acceptBridge(result.sdpAnswer);
    this.#joinId = result.joinId;
    this.snapshot.participantId = result.participantId;
    if (this.ended) return void this.#leave(); // CANCEL arrived while joining
    if (result.state === 'joined') {
      this.#watch();
      return this.#enterMeeting();
    }
    this.snapshot.state = 'lobby';
    this.snapshot.lobbyAt = Date.now();
    this.#watch(); // after the state is lobby: an admission may already be waiting on the channel
    if (this.#answered || this.#ctx.lobby === 'answer') {
      this.#media!.play('lobby');
      await this.#answer();
    } else if (this.#ctx.lobby === 'progress') {
      this.#media!.play('lobby');
      this.#inv.progress(183, { body: this.#answerSdp! });
    } else {
      this.#inv.progress(180);
    }
  }

  /**
   * The WebRTC leg's offer; a bridge that cannot be set up leaves the call without one (logged). A call that
   * ends meanwhile closes the bridge with its media.
   */
  async #openBridge(): Promise<string | null> {
    try {
      const offer = await this.#media!.openBridge(this.#answerSd!, `bridge ${this.id}`);
      if (!this.ended) return offer;
    } catch (err) {
      if (!this.ended) this.#ctx.logger.warn('media bridge not set up', { call: this.id, error: (err as Error).message });
    }
    return null;
  }

  async #acceptBridge(sdpAnswer: string | undefined): Promise<void> {
    try {
      if (sdpAnswer === undefined) throw new Error('Meet answered the join without an sdpAnswer (media off?)');
      await this.#media!.acceptBridge(sdpAnswer);
      if (this.ended) throw new Error('call ended');
    } catch (err) {
      this.#closeBridge();
      if (!this.ended) this.#ctx.logger.warn('media bridge not connected', { call: this.id, error: (err as Error).message });
    }
  }

  #closeBridge(): void {
    this.#media!.closeBridge().catch((err: Error) => this.#ctx.logger.debug('media bridge close', { call: this.id, error: err.message }));
  }

  /** The call's media stopped on its own (its worker died): a call without media ends, refused or with BYE. */
  #mediaFailed(reason: string): void {
    if (this.ended) return;
    this.#ctx.logger.error('call media failed: ending the call', { call: this.id, reason });
    this.#fail('NODE_CAPACITY', 'node', `media failed: ${reason}`);
  }

  async #enterMeeting(): Promise<void> {
    if (this.ended) return;
    if (this.snapshot.state === 'lobby') this.snapshot.admittedAt = Date.now();
    this.snapshot.state = 'connected';
    this.snapshot.outcome = 'CONNECTED';
    this.#media!.play('meeting');
    if (!this.#answered) await this.#answer();
  }

  /** 200 OK with our SDP answer; resolves when the ACK arrives. */
  async #answer(): Promise<void> {
    if (this.#answered || this.ended) return;
    this.#answered = true;
    this.snapshot.answeredAt = Date.now();
    this.#markSetupDone();
    this.#acknowledged = this.#inv.accept({ body: this.#answerSdp! }).catch(() => null);
    this.#dialog = await this.#acknowledged;
    if (!this.#dialog) return this.#finish('CONNECTED', 'node'); // no ACK: the UA already sent BYE
    this.#dialog.on('terminated', (r) => {
      if (r.by === 'remote') this.#finish(this.snapshot.outcome ?? 'CANCELLED', 'caller');
    });
    this.#dialog.on('request', (r) => {
      if (r.method !== 'INFO') return;
      const key = parseDtmfInfo(r.contentType, r.body.toString('utf8'));
      if (key) this.#onKey(key);
    });
  }

  /** Virtual Reception (DOMAIN.md §3): answer, collect the meeting ID by DTMF, route the entry again. */
  async #reception(vr: RoutingVirtualReception): Promise<void> {
    this.snapshot.state = 'reception';
    this.snapshot.rule = `Virtual Reception ${vr.name}`;
    this.#media!.play('reception');
    this.#media!.onKey((k) => this.#onKey(k));
    this.#vr = { vr, state: startVirtualReception({ maxDigits: 13 + 7 }) };
    await this.#answer();
    this.#armDigitTimer();
  }

  #vr: { vr: RoutingVirtualReception; state: ReturnType<typeof startVirtualReception> } | null = null;

  #onKey(key: string): void {
    if (this.#vr && this.snapshot.state === 'reception') this.#stepReception({ type: 'dtmf', key });
  }

  #armDigitTimer(): void {
    this.#digitTimer?.cancel();
    this.#digitTimer = this.#ctx.clock.setTimeout(() => this.#stepReception({ type: 'timeout' }), this.#ctx.receptionDigitTimeoutMs);
  }

  #stepReception(input: VrInput): void {
    const r = this.#vr!;
    r.state = stepVirtualReception(r.vr, r.state, input);
    if (r.state.phase === 'collecting') return this.#armDigitTimer();
    this.#digitTimer?.cancel();
    this.#media!.onKey(null);
    this.snapshot.entered = r.state.entered;
    if (r.state.phase === 'failed') return this.#hangUp('NO_MATCH', 'node');
    const alias = r.state.alias!;
    if (r.vr.token) {
      void this.#toMeeting(alias, r.vr.token);
      return;
    }
    const req = this.#inv.request;
    const registered = this.#ctx.registrar.isRegistered(aorOf(req.from.uri));
    const d = routeCall(this.#ctx.routing, { alias, protocol: 'sip', registered, location: this.#ctx.location });
    if (d.kind !== 'gms') return this.#hangUp('NO_MATCH', 'node');
    this.snapshot.rule = `${this.snapshot.rule} → ${d.rule.name}`;
    void this.#toMeeting(d.destination, d.token);
  }

  /** Follow the join's event stream: admission decisions and removals. */
  #watch(): void {
    if (!this.#joinId || !this.#tokenSecret) return;
    this.#events = new AbortController();
    void this.#ctx.meet
      .events(this.#joinId, this.#tokenSecret, (ev) => void this.#onMeetEvent(ev), this.#events.signal)
      .catch((err: Error) => this.#ctx.logger.debug('meet event stream ended', { call: this.id, error: err.message }));
  }

  async #onMeetEvent(ev: JoinEvent): Promise<void> {
    if (this.ended) return;
    if (ev.type === 'admitted') {
      if (this.snapshot.state === 'lobby') await this.#enterMeeting();
      return;
    }
    const reason = ev.reason === 'SERVICE_CLOSED' ? 'MEET_UNAVAILABLE' : ev.reason;
    const code = reason && isOutcomeCode(reason) ? reason : null;
    if (!code) return; // LEFT: our own leave
    if (this.snapshot.state === 'connected') this.snapshot.endCause = code;
    this.#fail(code, 'meet');
  }

  /** A cause ends the call: refused before answer, BYE with Reason after (DOMAIN.md §5's two columns). */
  #fail(code: Refusal, by: 'node' | 'meet', detail?: string): void {
    if (this.#answered) this.#hangUp(code, by);
    else this.#refuse(code, detail);
  }

  /**
   * BYE an answered call with the outcome's Reason (DOMAIN.md §5 "after answer") — once the ACK is in: a UAS
   * must not send BYE on a dialog before the ACK for its 2xx arrives (RFC 3261 §15).
   */
  #hangUp(code: Refusal, by: 'node' | 'meet'): void {
    void this.#acknowledged.then((d) => (d && d.state !== 'terminated' ? d.bye([['Reason', reasonHeader(OUTCOMES[code])]]) : undefined)).catch(() => {});
    this.#finish(code, by);
  }

  #refuse(code: Refusal, detail?: string, extra: Array<[string, string]> = []): void {
    const o = OUTCOMES[code];
    this.#markSetupDone();
    this.#inv.reject(o.status, o.reason, [...refusalHeaders(o, this.#ctx.nodeName, detail), ...extra]);
    this.#finish(code, code === 'CANCELLED' ? 'caller' : 'node');
  }

  #refuseRaw(status: number, reason: string, detail: string): void {
    this.#markSetupDone();
    this.#inv.reject(status, reason, [['Warning', `399 ${this.#ctx.nodeName} "${detail.replace(/"/g, "'")}"`]]);
    this.#finish('UNSUPPORTED_TARGET', 'node');
  }

  #markSetupDone(): void {
    if (this.#setupDone) return;
    this.#setupDone = true;
    this.#ctx.onSetupDone(this);
  }

  /** End the call once: the first outcome recorded stays (a connected call stays CONNECTED). */
  #finish(outcome: OutcomeCode, by: 'caller' | 'node' | 'meet'): void {
    if (this.ended) return;
    this.snapshot.outcome ??= outcome;
    this.snapshot.state = 'ended';
    this.snapshot.endedAt = Date.now();
    this.snapshot.endedBy = by;
    this.#markSetupDone();
    this.#digitTimer?.cancel();
    this.#reservation?.release();
    // Leaving ends the join, and Meet closes its event stream after the final event: no abort (and no
    // AbortError with a stack trace) per call. The abort stays as a backstop for a stream that lingers.
    const events = this.#events;
    void this.#leave().finally(() => {
      if (events && !events.signal.aborted) setTimeout(() => events.abort(), 2000).unref();
    });
    const media = this.#media;
    if (!media) return this.#ctx.onEnd(this);
    this.#mediaClosed = media.close().then(
      (final) => this.#setMediaStats(final),
      (err: Error) => this.#ctx.logger.warn('call media: no final counts, keeping the last ones', { call: this.id, error: err.message }),
    );
    // In the node's thread the counts are final at once; a worker's arrive with its answer to the close.
    this.#setMediaStats(media.stats());
    void this.#mediaClosed.then(() => this.#ctx.onEnd(this));
  }

  #setMediaStats(s: CallMediaStats): void {
    this.snapshot.rtp = s.rtp;
    this.snapshot.media = s.bridge;
  }

  async #leave(): Promise<void> {
    const joinId = this.#joinId;
    const token = this.#tokenSecret;
    this.#joinId = null;
    if (joinId && token) await this.#ctx.meet.leave(joinId, token).catch(() => {});
  }

  /** Node shutdown: BYE an answered call, refuse a pending one; resolves once its media has closed. */
  async shutdown(): Promise<void> {
    await this.#end();
    await this.#mediaClosed;
  }

  async #end(): Promise<void> {
    if (this.ended) return;
    if (this.#answered && !this.#dialog) {
      // Answered, ACK not in yet: a BYE must wait for it (RFC 3261 §15) — briefly, the caller may be gone.
      await Promise.race([this.#acknowledged, sleep(SHUTDOWN_BYE_WAIT_MS)]);
      if (this.ended) return;
      if (!this.#dialog) return this.#finish(this.snapshot.outcome ?? 'NODE_CAPACITY', 'node');
    }
    if (this.#dialog) {
      const bye = this.#dialog.bye([['Reason', SHUTDOWN_REASON]]).catch(() => {});
      this.#finish(this.snapshot.outcome ?? 'NODE_CAPACITY', 'node');
      // Wait briefly for the caller's 200, not for Timer F: a caller that is already gone must not stall shutdown.
      await Promise.race([bye, sleep(SHUTDOWN_BYE_WAIT_MS)]);
    } else if (!this.#answered) {
      this.#refuse('NODE_CAPACITY', 'Conferencing Node shutting down');
    }
  }

  dump(): CallSnapshot {
    const s = { ...this.snapshot };
    if (this.#media && !this.ended) {
      const m = this.#media.stats();
      s.rtp = m.rtp;
      s.media = m.bridge;
    }
    return s;
  }

  /**
   * Add the bridge's hop counts to `into` (live /metrics) until the node folds the call's final counts in
   * (`onEnd`): counted in exactly one of the two at any time.
   */
  addMediaTotals(into: Record<MediaHop, HopCount>): void {
    this.#media?.addTotals(into);
  }
}
