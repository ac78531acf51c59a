import { newId, sleep, type Logger } from '@gwsim/common';
import { routeCall, type RoutingConfig } from '@gwsim/dialplan';
import { createAnswer, parseSdp, RtpPort, serializeSdp } from '@gwsim/media';
import type { JoinEvent, MeetClient } from '@gwsim/meet';
import type { Dialog, IncomingInvite } from '@gwsim/sip';
import { isOutcomeCode, OUTCOMES, refusalHeaders, reasonHeader, type OutcomeCode } from './outcomes.ts';
import { aorOf, type Registrar } from './registrar.ts';

/** How long node shutdown waits for each caller to answer its BYE. */
export const SHUTDOWN_BYE_WAIT_MS = 1000;

export type CallState = 'routing' | 'joining' | 'lobby' | 'connected' | 'ended';

/** A plain snapshot of one gateway call (admin API, tests, reports). */
export interface CallSnapshot {
  id: string;
  sipCallId: string;
  alias: string;
  caller: string;
  state: CallState;
  outcome: OutcomeCode | null;
  rule: string | null;
  token: string | null;
  meetingId: string | null;
  participantId: string | null;
  startedAt: number;
  answeredAt: number | null;
  endedAt: number | null;
  endedBy: 'caller' | 'node' | 'meet' | null;
  /** Why a connected call ended when Meet ended it (VIDEO_LOCKED, MEETING_ENDED, …). */
  endCause: OutcomeCode | null;
  rtp: { packetsIn: number; packetsOut: number } | null;
}

export interface CallContext {
  nodeName: string;
  location: string | undefined;
  address: string;
  routing: RoutingConfig;
  meet: MeetClient;
  registrar: Registrar;
  logger: Logger;
  now(): number;
  onEnd(call: GatewayCall): void;
}

/**
 * One incoming gateway call through its life: route the alias, join Meet with the rule's token, answer or
 * refuse per the outcome table, and leave the meeting when either side ends it (DOMAIN.md §5).
 */
export class GatewayCall {
  readonly id = newId();
  readonly #inv: IncomingInvite;
  readonly #ctx: CallContext;
  readonly snapshot: CallSnapshot;
  #dialog: Dialog | null = null;
  #rtp: RtpPort | null = null;
  #joinId: string | null = null;
  #tokenSecret: string | null = null;
  #events: AbortController | null = null;
  #cancelled = false;

  constructor(inv: IncomingInvite, ctx: CallContext) {
    this.#inv = inv;
    this.#ctx = ctx;
    const req = inv.request;
    this.snapshot = {
      id: this.id,
      sipCallId: req.callId,
      alias: req.uri,
      caller: req.headers.get('From') ?? '',
      state: 'routing',
      outcome: null,
      rule: null,
      token: null,
      meetingId: null,
      participantId: null,
      startedAt: ctx.now(),
      answeredAt: null,
      endedAt: null,
      endedBy: null,
      endCause: null,
      rtp: null,
    };
    inv.on('cancelled', () => {
      this.#cancelled = true;
      this.#finish('CANCELLED', 'caller');
    });
  }

  get state(): CallState {
    return this.snapshot.state;
  }

  async run(): Promise<void> {
    const req = this.#inv.request;
    const registered = this.#ctx.registrar.isRegistered(aorOf(req.from.uri));
    const decision = routeCall(this.#ctx.routing, { alias: req.uri, protocol: 'sip', registered, location: this.#ctx.location });
    if (decision.kind === 'no_match') return this.#refuse('NO_MATCH');
    if (decision.kind !== 'gms') return this.#refuse('UNSUPPORTED_TARGET', decision.kind === 'virtual_reception' ? 'Virtual Reception is not available on this node yet' : undefined);
    this.snapshot.rule = decision.rule.name;
    this.snapshot.token = decision.token.name;
    this.snapshot.meetingId = decision.destination;
    this.snapshot.state = 'joining';
    this.#tokenSecret = decision.token.token;
    const displayName = req.from.displayName ?? req.from.uri.user ?? 'Video system';
    const result = await this.#ctx.meet.join({ token: decision.token.token, meetingId: decision.destination, displayName });
    if (!result.ok) return this.#refuse(isOutcomeCode(result.code) ? result.code : 'MEET_UNAVAILABLE', result.message);
    this.#joinId = result.joinId;
    this.snapshot.participantId = result.participantId;
    if (this.#cancelled) {
      await this.#leave();
      return;
    }
    if (result.state === 'lobby') {
      this.snapshot.state = 'lobby';
      // Convention (DOMAIN.md §5, configurable later): hold the call in 180 until admitted.
      this.#inv.progress(180);
    } else {
      await this.#answer();
    }
    this.#watch();
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
    if (this.snapshot.state === 'ended') return;
    if (ev.type === 'admitted') {
      if (this.snapshot.state === 'lobby') await this.#answer();
      return;
    }
    const reason = ev.reason === 'SERVICE_CLOSED' ? 'MEET_UNAVAILABLE' : ev.reason;
    const code = reason && isOutcomeCode(reason) ? reason : null;
    if (!code) return; // LEFT: our own leave
    if (this.snapshot.state === 'lobby') return this.#refuse(code);
    if (this.snapshot.state === 'connected') {
      this.snapshot.endCause = code;
      void this.#dialog?.bye([['Reason', reasonHeader(OUTCOMES[code])]]).catch(() => {});
      this.#finish('CONNECTED', 'meet');
    }
  }

  async #answer(): Promise<void> {
    let offer;
    try {
      offer = parseSdp(this.#inv.request.body.toString('utf8'));
    } catch (err) {
      this.#inv.reject(488, 'Not Acceptable Here', [['Warning', `399 ${this.#ctx.nodeName} "bad SDP offer: ${(err as Error).message.replace(/"/g, "'")}"`]]);
      this.#finish('UNSUPPORTED_TARGET', 'node');
      return;
    }
    this.#rtp = await RtpPort.open(this.#ctx.address);
    if (this.snapshot.state === 'ended') return;
    const answer = createAnswer(offer, { address: this.#ctx.address, audioPort: this.#rtp.port });
    this.snapshot.state = 'connected';
    this.snapshot.outcome = 'CONNECTED';
    this.snapshot.answeredAt = this.#ctx.now();
    try {
      this.#dialog = await this.#inv.accept({ body: serializeSdp(answer) });
    } catch {
      this.#finish('CONNECTED', 'node');
      return;
    }
    this.#dialog.on('terminated', (r) => {
      if (r.by === 'remote') this.#finish('CONNECTED', 'caller');
    });
  }

  #refuse(code: Exclude<OutcomeCode, 'CONNECTED'>, detail?: string): void {
    const o = OUTCOMES[code];
    this.#inv.reject(o.status, o.reason, refusalHeaders(o, this.#ctx.nodeName, detail));
    this.#finish(code, 'node');
  }

  /** End the call once: the first outcome recorded stays (a connected call stays CONNECTED). */
  #finish(outcome: OutcomeCode, by: 'caller' | 'node' | 'meet'): void {
    if (this.snapshot.state === 'ended') return;
    this.snapshot.outcome ??= outcome;
    this.snapshot.state = 'ended';
    this.snapshot.endedAt = this.#ctx.now();
    this.snapshot.endedBy = by;
    if (this.#rtp) this.snapshot.rtp = { packetsIn: this.#rtp.stats.packetsIn, packetsOut: this.#rtp.stats.packetsOut };
    this.#events?.abort();
    void this.#rtp?.close();
    void this.#leave();
    this.#ctx.onEnd(this);
  }

  async #leave(): Promise<void> {
    const joinId = this.#joinId;
    const token = this.#tokenSecret;
    this.#joinId = null;
    if (joinId && token) await this.#ctx.meet.leave(joinId, token).catch(() => {});
  }

  /** Node shutdown: BYE a connected call, refuse a pending one. */
  async shutdown(): Promise<void> {
    if (this.snapshot.state === 'connected' && this.#dialog) {
      const bye = this.#dialog.bye([['Reason', 'SIP;cause=503;text="Conferencing Node shutting down"']]).catch(() => {});
      this.#finish('CONNECTED', 'node');
      // Wait briefly for the caller's 200, not for Timer F: a caller that is already gone must not stall shutdown.
      await Promise.race([bye, sleep(SHUTDOWN_BYE_WAIT_MS)]);
    } else if (this.snapshot.state !== 'ended') {
      this.#inv.reject(503, 'Service Unavailable', [['Reason', 'SIP;cause=503;text="Conferencing Node shutting down"']]);
      this.#finish('NODE_CAPACITY', 'node');
    }
  }

  dump(): CallSnapshot {
    const s = { ...this.snapshot };
    if (this.#rtp && !this.#rtp.closed) s.rtp = { packetsIn: this.#rtp.stats.packetsIn, packetsOut: this.#rtp.stats.packetsOut };
    return s;
  }
}
