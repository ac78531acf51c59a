/**
 * MeetService: the mock Meet interop service as pure state driven by an injected Clock. It owns tenants,
 * tokens, meetings, the lobby and host controls, and answers gateway joins (DOMAIN.md §1, §2, §5). No I/O:
 * the HTTP server (server.ts) is one edge; tests and the simulator may call it directly.
 */
import { GwsimError, newId, silentLogger, systemClock, TypedEmitter, type Clock, type Logger, parse } from '@gwsim/common';
import { decideAdmission, type AdmissionDecision } from './admission.ts';
import { MeetError } from './errors.ts';
import { meetDialAddresses } from '@gwsim/dialplan';
import { occupancy, snapshot, MeetingRegistry, type MeetingRecord } from './meetings.ts';
import type {
  CreatedToken,
  DisconnectReason,
  JoinEvent,
  JoinView,
  MeetingSnapshot,
  ParticipantView,
  TenantInfo,
  TokenInfo,
  UserInfo,
} from './model.ts';
import { GatewayParticipant } from './participant.ts';
import { REFUSALS, type JoinRefusalCode } from './refusals.ts';
import {
  hostPatchSchema,
  joinRequestSchema,
  meetingSpecSchema,
  type HostPatch,
  type InteropPatch,
  type JoinRequest,
  type MeetingSpec,
  type TenantSpec,
  type TokenSpec,
  type UserSpec,
} from './specs.ts';
import { TenantDirectory } from './tenants.ts';
import { TokenStore } from './tokens.ts';

/** Convention (DOMAIN.md §2): an unanswered knock times out after 300 s. */
export const DEFAULT_KNOCK_TIMEOUT_MS = 300_000;
/** Disconnected joins kept for GET/replay before the oldest are forgotten. */
export const DEFAULT_RETAINED_JOINS = 10_000;

export interface MeetServiceOptions {
  /** Drives knock timers (FakeClock in tests). */
  clock?: Clock;
  /** Wall-clock time for the ISO timestamps in views. */
  now?: () => Date;
  knockTimeoutMs?: number;
  retainedJoins?: number;
  logger?: Logger;
  /**
   * false: the host's video lock ("Turn on their video" off) has no effect — locked meetings admit gateway
   * callers and switching the lock on removes nobody. A broken Meet for conformance self-tests; default true.
   */
  enforceVideoLock?: boolean;
}

export type JoinOutcome =
  | { readonly ok: true; readonly join: JoinView }
  | { readonly ok: false; readonly code: JoinRefusalCode; readonly message: string };

/** The answer `join` would give now (see `check`). */
export type JoinCheck =
  | { readonly ok: true; readonly state: 'joined' | 'lobby' }
  | { readonly ok: false; readonly code: JoinRefusalCode; readonly message: string };

export type MeetServiceEvents = {
  /** A join was admitted straight in or put in the lobby. */
  join: [JoinView];
  /** A join refused at the door. */
  refused: [{ meetingId: string; code: JoinRefusalCode }];
  /** Any later state change of a join. */
  joinEvent: [JoinEvent];
};

export interface MeetServiceDump {
  readonly closed: boolean;
  readonly knockTimeoutMs: number;
  readonly tenants: readonly TenantInfo[];
  readonly tokens: readonly TokenInfo[];
  readonly meetings: readonly MeetingSnapshot[];
  readonly joins: { readonly active: number; readonly retained: number };
}

export class MeetService extends TypedEmitter<MeetServiceEvents> {
  readonly knockTimeoutMs: number;
  readonly #clock: Clock;
  readonly #now: () => Date;
  readonly #log: Logger;
  readonly #retained: number;
  readonly #tenants: TenantDirectory;
  readonly #tokens: TokenStore;
  readonly #meetings = new MeetingRegistry();
  readonly #joins = new Map<string, GatewayParticipant>();
  /** Disconnected join ids, oldest first. */
  readonly #finished = new Set<string>();
  #closed = false;

  /** Whether the video lock refuses and removes gateway participants (see MeetServiceOptions). */
  readonly enforceVideoLock: boolean;

  constructor(options: MeetServiceOptions = {}) {
    super();
    this.#clock = options.clock ?? systemClock;
    this.#now = options.now ?? (() => new Date());
    this.#log = options.logger ?? silentLogger;
    this.knockTimeoutMs = options.knockTimeoutMs ?? DEFAULT_KNOCK_TIMEOUT_MS;
    this.#retained = options.retainedJoins ?? DEFAULT_RETAINED_JOINS;
    this.enforceVideoLock = options.enforceVideoLock ?? true;
    if (!Number.isInteger(this.knockTimeoutMs) || this.knockTimeoutMs < 0) {
      throw new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', `knockTimeoutMs must be a non-negative integer, got ${this.knockTimeoutMs}`);
    }
    this.#tenants = new TenantDirectory(this.#now);
    this.#tokens = new TokenStore(this.#now);
  }

  get closed(): boolean {
    return this.#closed;
  }

  // ── Tenants ────────────────────────────────────────────────────────────────

  createTenant(spec: TenantSpec): TenantInfo {
    this.#open();
    const tenant = this.#tenants.create(spec);
    this.#log.info('tenant created', { domain: tenant.domain, users: tenant.users.length });
    return tenant;
  }

  getTenant(domain: string): TenantInfo {
    return this.#tenants.get(domain);
  }

  listTenants(): TenantInfo[] {
    return this.#tenants.list();
  }

  /** Change interoperability settings; affects joins from now on (participants already in stay). */
  updateInterop(domain: string, patch: InteropPatch): TenantInfo {
    this.#open();
    const tenant = this.#tenants.updateInterop(domain, patch);
    this.#log.info('interop settings changed', { domain: tenant.domain, interopEnabled: tenant.interop.interopEnabled });
    return tenant;
  }

  addUser(domain: string, spec: UserSpec): UserInfo {
    this.#open();
    return this.#tenants.addUser(domain, spec);
  }

  // ── Tokens ─────────────────────────────────────────────────────────────────

  /** The only call that returns a token's secret. */
  createToken(domain: string, spec: TokenSpec): CreatedToken {
    this.#open();
    const tenant = this.#tenants.get(domain);
    const created = this.#tokens.create(tenant.domain, spec);
    this.#log.info('interop credential created', { id: created.token.id, tenant: tenant.domain, name: created.token.name, trusted: created.token.trusted });
    return created;
  }

  listTokens(domain: string): TokenInfo[] {
    return this.#tokens.list(this.#tenants.get(domain).domain);
  }

  revokeToken(id: string): TokenInfo {
    const info = this.#tokens.revoke(id);
    this.#log.info('interop credential revoked', { id, tenant: info.tenant });
    return info;
  }

  /** The live token with this secret; unknown and revoked both give undefined. */
  authenticate(secret: string): TokenInfo | undefined {
    return this.#tokens.authenticate(secret);
  }

  // ── Meetings and host controls ─────────────────────────────────────────────

  createMeeting(input: MeetingSpec): MeetingSnapshot {
    this.#open();
    const spec = parse(meetingSpecSchema, input);
    const found = this.#tenants.findUser(spec.organizer);
    if (!found) throw new MeetError('UNKNOWN_ORGANIZER', `${spec.organizer} is not a user of any tenant.`);
    const record = this.#meetings.create(spec, found.tenant, found.user.email, this.#stamp());
    this.#log.info('meeting created', { meetingId: record.meetingId, code: record.code, tenant: record.tenant });
    return this.#view(record);
  }

  /** A meeting's snapshot with the dial addresses its tenant's interop settings give it. */
  #view(m: MeetingRecord): MeetingSnapshot {
    const settings = this.#tenants.get(m.tenant).interop;
    return Object.freeze({ ...snapshot(m), dialAddresses: Object.freeze(meetDialAddresses(settings, m.meetingId)) });
  }

  /** By long ID, short ID or meeting code. */
  getMeeting(id: string): MeetingSnapshot {
    return this.#view(this.#meetings.get(id));
  }

  listMeetings(): MeetingSnapshot[] {
    return this.#meetings.all().map((m) => this.#view(m));
  }

  /** End the meeting: everyone leaves, lobby included (MEETING_ENDED). Ending again is a no-op. */
  endMeeting(id: string): MeetingSnapshot {
    const m = this.#meetings.get(id);
    if (m.state === 'active') {
      const at = this.#stamp();
      m.state = 'ended';
      m.endedAt = at;
      m.attendees = [];
      for (const p of [...m.gateway.values()]) this.#disconnect(p, 'MEETING_ENDED');
      this.#log.info('meeting ended', { meetingId: m.meetingId });
    }
    return this.#view(m);
  }

  /** Host management. Turning the video lock on removes every gateway participant (VIDEO_LOCKED). */
  setHost(id: string, input: HostPatch): MeetingSnapshot {
    const m = this.#meetings.get(id);
    const patch = parse(hostPatchSchema, input);
    if (m.state === 'ended') throw new MeetError('MEETING_ENDED', `Meeting ${m.meetingId} has ended.`);
    const lockedNow = patch.videoLock === true && !m.host.videoLock;
    m.host = Object.freeze({ ...m.host, ...patch });
    if (lockedNow && this.enforceVideoLock) for (const p of [...m.gateway.values()]) this.#disconnect(p, 'VIDEO_LOCKED');
    this.#log.info('host controls changed', { meetingId: m.meetingId, videoLock: m.host.videoLock, micLock: m.host.micLock });
    return this.#view(m);
  }

  /** A person in the meeting admits a knocking participant. */
  admit(meetingId: string, participantId: string): ParticipantView {
    const p = this.#lobbyParticipant(meetingId, participantId);
    this.#admit(p);
    return p.participantView();
  }

  /** A person in the meeting denies a knocking participant (KNOCK_DENIED). */
  deny(meetingId: string, participantId: string): ParticipantView {
    const p = this.#lobbyParticipant(meetingId, participantId);
    this.#disconnect(p, 'KNOCK_DENIED');
    return p.participantView();
  }

  /** The host removes a gateway participant, joined or knocking (REMOVED_BY_HOST). */
  removeParticipant(meetingId: string, participantId: string): ParticipantView {
    const m = this.#meetings.get(meetingId);
    const p = m.gateway.get(participantId);
    if (!p) throw new MeetError('PARTICIPANT_NOT_FOUND', `No gateway participant ${participantId} in meeting ${m.meetingId}.`);
    this.#disconnect(p, 'REMOVED_BY_HOST');
    return p.participantView();
  }

  // ── Gateway joins ──────────────────────────────────────────────────────────

  /**
   * A gateway asks to join `meetingId` with a token secret. Throws ConfigError for a malformed request;
   * every refusal is an answer (`ok: false`), never an exception.
   */
  join(secret: string, input: JoinRequest): JoinOutcome {
    this.#open();
    const request = parse(joinRequestSchema, input);
    const { decision, token, meeting } = this.#decide(secret, request.meetingId);
    if (!decision.ok) {
      this.#log.debug('join refused', { meetingId: request.meetingId, code: decision.code });
      this.emit('refused', { meetingId: request.meetingId, code: decision.code });
      return { ok: false, code: decision.code, message: REFUSALS[decision.code].message };
    }
    const m = meeting!;
    const p = new GatewayParticipant({
      joinId: newId(),
      participantId: newId(),
      meetingId: m.meetingId,
      tokenId: token!.id,
      displayName: request.displayName,
      trusted: token!.trusted,
      state: decision.path === 'join' ? 'joined' : 'lobby',
      at: this.#stamp(),
    });
    p.on('event', (e) => this.emit('joinEvent', e));
    m.gateway.set(p.participantId, p);
    this.#joins.set(p.joinId, p);
    if (decision.path === 'knock') this.#scheduleKnock(m, p);
    this.#log.debug(decision.path === 'join' ? 'gateway joined' : 'gateway knocking', { meetingId: m.meetingId, joinId: p.joinId });
    const view = p.view();
    this.emit('join', view);
    return { ok: true, join: view };
  }

  /**
   * What `join` would answer now, changing nothing: no participant, no event, no log line. The WebRTC
   * answerer asks first so that it prepares an SDP answer only for joins that will be let in.
   */
  check(secret: string, input: JoinRequest): JoinCheck {
    this.#open();
    const request = parse(joinRequestSchema, input);
    const { decision } = this.#decide(secret, request.meetingId);
    return decision.ok ? { ok: true, state: decision.path === 'join' ? 'joined' : 'lobby' } : { ok: false, code: decision.code, message: REFUSALS[decision.code].message };
  }

  /** The join, if `token` made it. Another token's join is reported as not found. */
  getJoin(token: TokenInfo, joinId: string): JoinView {
    return this.#ownJoin(token, joinId).view();
  }

  /** The gateway leaves (or withdraws its knock). Leaving twice is a no-op. */
  leave(token: TokenInfo, joinId: string): JoinView {
    const p = this.#ownJoin(token, joinId);
    this.#disconnect(p, 'LEFT');
    return p.view();
  }

  /**
   * Replay the join's events after `afterSeq`, then deliver new ones to `listener` until the join
   * disconnects. Returns the replay, whether the join is already over, and an unsubscribe function.
   */
  watch(
    token: TokenInfo,
    joinId: string,
    afterSeq: number,
    listener: (event: JoinEvent) => void,
  ): { replay: readonly JoinEvent[]; done: boolean; unsubscribe: () => void } {
    const p = this.#ownJoin(token, joinId);
    const replay = p.events.filter((e) => e.seq > afterSeq);
    if (p.state === 'disconnected') return { replay, done: true, unsubscribe: () => {} };
    return { replay, done: false, unsubscribe: p.on('event', listener) };
  }

  // ── Lifecycle ──────────────────────────────────────────────────────────────

  dump(): MeetServiceDump {
    let active = 0;
    for (const p of this.#joins.values()) if (p.state !== 'disconnected') active++;
    return Object.freeze({
      closed: this.#closed,
      knockTimeoutMs: this.knockTimeoutMs,
      tenants: this.#tenants.list(),
      tokens: this.#tenants.list().flatMap((t) => this.#tokens.list(t.domain)),
      meetings: this.listMeetings(),
      joins: { active, retained: this.#joins.size - active },
    });
  }

  /** Cancel every timer and disconnect every gateway participant (SERVICE_CLOSED). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const p of [...this.#joins.values()]) this.#disconnect(p, 'SERVICE_CLOSED');
  }

  // ── Internals ──────────────────────────────────────────────────────────────

  #open(): void {
    if (this.#closed) throw new GwsimError('GWSIM_ERR_CLOSED', 'The Meet service is closed.');
  }

  #stamp(): string {
    return this.#now().toISOString();
  }

  #decide(secret: string, meetingId: string): { decision: AdmissionDecision; token: TokenInfo | undefined; meeting: MeetingRecord | undefined } {
    const token = this.#tokens.authenticate(secret);
    const interop = token && this.#tenants.interopOf(token.tenant);
    const meeting = this.#meetings.findDialled(meetingId);
    const organizer = meeting && this.#tenants.findUser(meeting.organizer)?.user;
    const decision = decideAdmission({
      token,
      interop,
      meetingId,
      meeting: meeting && { ...meeting, videoLock: this.enforceVideoLock && meeting.host.videoLock, occupancy: occupancy(meeting) },
      organizer,
    });
    return { decision, token, meeting };
  }

  #ownJoin(token: TokenInfo, joinId: string): GatewayParticipant {
    const p = this.#joins.get(joinId);
    if (!p || p.tokenId !== token.id) throw new MeetError('JOIN_NOT_FOUND', `No join ${joinId} for this token.`);
    return p;
  }

  #lobbyParticipant(meetingId: string, participantId: string): GatewayParticipant {
    const m = this.#meetings.get(meetingId);
    const p = m.gateway.get(participantId);
    if (!p) throw new MeetError('PARTICIPANT_NOT_FOUND', `No gateway participant ${participantId} in meeting ${m.meetingId}.`);
    if (p.state !== 'lobby') throw new MeetError('NOT_IN_LOBBY', `Participant ${participantId} is ${p.state}, not in the lobby.`);
    return p;
  }

  /** Arm the knock timeout and the meeting's scripted answer. */
  #scheduleKnock(m: MeetingRecord, p: GatewayParticipant): void {
    const later = (ms: number, fn: () => void) => p.addTimer(this.#clock.setTimeout(() => this.#safely(fn), ms));
    later(this.knockTimeoutMs, () => this.#disconnect(p, 'KNOCK_TIMEOUT'));
    const script = m.host.onKnock;
    if (script.kind === 'admit') later(script.afterMs, () => this.#admit(p));
    else if (script.kind === 'deny') later(script.afterMs, () => this.#disconnect(p, 'KNOCK_DENIED'));
    else if (script.kind === 'nobodyPresent') later(0, () => this.#disconnect(p, 'NOBODY_TO_ADMIT'));
  }

  /** Timer callbacks never throw into the clock. */
  #safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#log.error('knock timer failed', { error: err instanceof Error ? err.message : String(err) });
    }
  }

  #admit(p: GatewayParticipant): void {
    if (p.state !== 'lobby') return;
    const m = this.#meetings.get(p.meetingId);
    if (occupancy(m) >= m.capacity) {
      this.#disconnect(p, 'MEETING_FULL');
      return;
    }
    p.admit(this.#stamp());
    this.#log.debug('gateway admitted', { meetingId: m.meetingId, joinId: p.joinId });
  }

  #disconnect(p: GatewayParticipant, reason: DisconnectReason): void {
    if (!p.disconnect(reason, this.#stamp())) return;
    this.#meetings.get(p.meetingId).gateway.delete(p.participantId);
    this.#log.debug('gateway disconnected', { meetingId: p.meetingId, joinId: p.joinId, reason });
    this.#finished.add(p.joinId);
    while (this.#finished.size > this.#retained) {
      const oldest = this.#finished.values().next().value!;
      this.#finished.delete(oldest);
      this.#joins.delete(oldest);
    }
    p.removeAllListeners();
  }
}
