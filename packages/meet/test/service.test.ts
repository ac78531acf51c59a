import { ConfigError, FakeClock } from '@gwsim/common';
import { beforeEach, describe, expect, it } from 'vitest';
import { MeetError, MeetService, REFUSALS, type JoinEvent, type JoinOutcome, type JoinView } from '../src/index.ts';
import { ALICE, BOB, CAROL, seed, type Seeded } from './support/seed.ts';

let clock: FakeClock;
let service: MeetService;
let tokens: Seeded;

beforeEach(() => {
  clock = new FakeClock();
  service = new MeetService({ clock });
  tokens = seed(service);
});

function joined(outcome: JoinOutcome): JoinView {
  if (!outcome.ok) throw new Error(`expected a join, got ${outcome.code}`);
  return outcome.join;
}

function refusal(outcome: JoinOutcome): string {
  if (outcome.ok) throw new Error(`expected a refusal, got ${outcome.join.state}`);
  return outcome.code;
}

/** Collect a join's events from the service's observer stream. */
function recordEvents(): JoinEvent[] {
  const events: JoinEvent[] = [];
  service.on('joinEvent', (e) => events.push(e));
  return events;
}

const trustedInfo = () => service.authenticate(tokens.trusted)!;
const untrustedInfo = () => service.authenticate(tokens.untrusted)!;

describe('MeetService admission', () => {
  it('lets a trusted token join directly', () => {
    const m = service.createMeeting({ organizer: ALICE });
    const join = joined(service.join(tokens.trusted, { meetingId: m.meetingId, displayName: 'Room 1' }));
    expect(join.state).toBe('joined');
    expect(join.trusted).toBe(true);
    const snap = service.getMeeting(m.meetingId);
    expect(snap.participants.map((p) => p.kind)).toEqual(['user', 'gateway']);
    expect(snap.participants[1]).toMatchObject({ id: join.participantId, displayName: 'Room 1', kind: 'gateway', trusted: true, state: 'joined' });
    expect(snap.participants[1]!.joinedAt).toBeDefined();
    expect(snap.lobby).toEqual([]);
  });

  it('puts an untrusted token in the lobby and admits it when the host does', () => {
    const m = service.createMeeting({ organizer: ALICE, onKnock: { kind: 'admit', afterMs: 2000 } });
    const events = recordEvents();
    const join = joined(service.join(tokens.untrusted, { meetingId: m.meetingId, displayName: 'Room 2' }));
    expect(join.state).toBe('lobby');
    expect(service.getMeeting(m.meetingId).lobby.map((p) => p.id)).toEqual([join.participantId]);
    clock.advance(1999);
    expect(service.getJoin(untrustedInfo(), join.joinId).state).toBe('lobby');
    clock.advance(1);
    expect(events.map((e) => e.type)).toEqual(['admitted']);
    expect(service.getJoin(untrustedInfo(), join.joinId).state).toBe('joined');
    expect(service.getMeeting(m.meetingId).lobby).toEqual([]);
    expect(clock.pending).toBe(0); // the knock timeout was cancelled
  });

  it('ends a knock with KNOCK_DENIED when the host denies', () => {
    const m = service.createMeeting({ organizer: ALICE, onKnock: { kind: 'deny', afterMs: 500 } });
    const events = recordEvents();
    const join = joined(service.join(tokens.untrusted, { meetingId: m.meetingId, displayName: 'Room' }));
    clock.advance(500);
    expect(events).toEqual([expect.objectContaining({ seq: 1, type: 'denied', reason: 'KNOCK_DENIED', state: 'disconnected' })]);
    expect(service.getJoin(untrustedInfo(), join.joinId)).toMatchObject({ state: 'disconnected', reason: 'KNOCK_DENIED' });
    expect(service.getMeeting(m.meetingId).lobby).toEqual([]);
  });

  it('times a knock out after 300 s when nobody answers', () => {
    const m = service.createMeeting({ organizer: ALICE, onKnock: { kind: 'ignore' } });
    const events = recordEvents();
    joined(service.join(tokens.untrusted, { meetingId: m.meetingId, displayName: 'Room' }));
    clock.advance(299_999);
    expect(events).toEqual([]);
    clock.advance(1);
    expect(events.map((e) => [e.type, e.reason])).toEqual([['knock_timeout', 'KNOCK_TIMEOUT']]);
  });

  it('honours a configured knock timeout', () => {
    const quick = new MeetService({ clock, knockTimeoutMs: 1000 });
    const t = seed(quick);
    const m = quick.createMeeting({ organizer: ALICE, onKnock: { kind: 'admit', afterMs: 5000 } });
    const join = joined(quick.join(t.untrusted, { meetingId: m.meetingId, displayName: 'Room' }));
    clock.advance(1000);
    expect(quick.getJoin(quick.authenticate(t.untrusted)!, join.joinId).reason).toBe('KNOCK_TIMEOUT');
    clock.advance(10_000); // the scripted admit was cancelled with the timeout
    expect(quick.getJoin(quick.authenticate(t.untrusted)!, join.joinId).state).toBe('disconnected');
  });

  it('reports NOBODY_TO_ADMIT as its own outcome', () => {
    const m = service.createMeeting({ organizer: ALICE, onKnock: { kind: 'nobodyPresent' } });
    expect(m.participants).toEqual([]);
    const events = recordEvents();
    const join = joined(service.join(tokens.untrusted, { meetingId: m.meetingId, displayName: 'Room' }));
    expect(join.state).toBe('lobby');
    clock.advance(0);
    expect(events.map((e) => [e.type, e.reason])).toEqual([['nobody_to_admit', 'NOBODY_TO_ADMIT']]);
  });

  it('lets the host admit or deny by hand, only from the lobby', () => {
    const m = service.createMeeting({ organizer: ALICE });
    const a = joined(service.join(tokens.untrusted, { meetingId: m.meetingId, displayName: 'A' }));
    const b = joined(service.join(tokens.untrusted, { meetingId: m.meetingId, displayName: 'B' }));
    expect(service.admit(m.meetingId, a.participantId).state).toBe('joined');
    expect(service.deny(m.meetingId, b.participantId).reason).toBe('KNOCK_DENIED');
    expect(() => service.admit(m.meetingId, a.participantId)).toThrow(expect.objectContaining({ apiCode: 'NOT_IN_LOBBY' }));
    expect(() => service.deny(m.meetingId, 'nope')).toThrow(expect.objectContaining({ apiCode: 'PARTICIPANT_NOT_FOUND' }));
  });

  it('refuses a video-locked meeting and removes gateway participants when the lock goes on mid-call', () => {
    const locked = service.createMeeting({ organizer: ALICE, videoLock: true });
    expect(refusal(service.join(tokens.trusted, { meetingId: locked.meetingId, displayName: 'R' }))).toBe('VIDEO_LOCKED');

    const m = service.createMeeting({ organizer: ALICE });
    const events = recordEvents();
    const inCall = joined(service.join(tokens.trusted, { meetingId: m.meetingId, displayName: 'In call' }));
    const knocking = joined(service.join(tokens.untrusted, { meetingId: m.meetingId, displayName: 'Knocking' }));
    const snap = service.setHost(m.meetingId, { videoLock: true });
    expect(events.map((e) => [e.joinId, e.type, e.reason])).toEqual([
      [inCall.joinId, 'removed', 'VIDEO_LOCKED'],
      [knocking.joinId, 'removed', 'VIDEO_LOCKED'],
    ]);
    expect(snap.participants.map((p) => p.kind)).toEqual(['user']);
    expect(snap.lobby).toEqual([]);
    expect(refusal(service.join(tokens.trusted, { meetingId: m.meetingId, displayName: 'Again' }))).toBe('VIDEO_LOCKED');
    expect(clock.pending).toBe(0);
    service.setHost(m.meetingId, { videoLock: false, micLock: true });
    expect(joined(service.join(tokens.trusted, { meetingId: m.meetingId, displayName: 'Back' })).state).toBe('joined');
    expect(service.getMeeting(m.meetingId).host).toMatchObject({ videoLock: false, micLock: true });
  });

  it('refuses an ended meeting and ending one removes everyone', () => {
    const m = service.createMeeting({ organizer: ALICE });
    const events = recordEvents();
    const a = joined(service.join(tokens.trusted, { meetingId: m.meetingId, displayName: 'A' }));
    const b = joined(service.join(tokens.untrusted, { meetingId: m.meetingId, displayName: 'B' }));
    const ended = service.endMeeting(m.meetingId);
    expect(ended).toMatchObject({ state: 'ended', participants: [], lobby: [] });
    expect(events.map((e) => [e.joinId, e.type, e.reason])).toEqual([
      [a.joinId, 'ended', 'MEETING_ENDED'],
      [b.joinId, 'ended', 'MEETING_ENDED'],
    ]);
    expect(service.endMeeting(m.meetingId).endedAt).toBe(ended.endedAt); // idempotent
    expect(refusal(service.join(tokens.trusted, { meetingId: m.meetingId, displayName: 'Late' }))).toBe('MEETING_ENDED');
    expect(() => service.setHost(m.meetingId, { videoLock: true })).toThrow(MeetError);
  });

  it('refuses a full meeting; the lobby does not count, an admit into a full meeting is removed', () => {
    const full = service.createMeeting({ organizer: ALICE, capacity: 2, attendees: ['Alice', 'Dan'] });
    expect(refusal(service.join(tokens.trusted, { meetingId: full.meetingId, displayName: 'R' }))).toBe('MEETING_FULL');
    expect(refusal(service.join(tokens.untrusted, { meetingId: full.meetingId, displayName: 'R' }))).toBe('MEETING_FULL');

    const m = service.createMeeting({ organizer: ALICE, capacity: 2 });
    const knock = joined(service.join(tokens.untrusted, { meetingId: m.meetingId, displayName: 'Knock' }));
    joined(service.join(tokens.trusted, { meetingId: m.meetingId, displayName: 'Direct' }));
    expect(service.admit(m.meetingId, knock.participantId)).toMatchObject({ state: 'disconnected', reason: 'MEETING_FULL' });
  });

  it('refuses unknown and revoked tokens alike', () => {
    const m = service.createMeeting({ organizer: ALICE });
    const unknown = service.join('not-a-real-token-secret', { meetingId: m.meetingId, displayName: 'R' });
    service.revokeToken(tokens.trustedId);
    const revoked = service.join(tokens.trusted, { meetingId: m.meetingId, displayName: 'R' });
    expect(unknown).toEqual({ ok: false, code: 'TOKEN_INVALID', message: REFUSALS.TOKEN_INVALID.message });
    expect(revoked).toEqual(unknown);
    expect(service.authenticate(tokens.trusted)).toBeUndefined();
    expect(service.listTokens('example.com').find((t) => t.id === tokens.trustedId)?.revokedAt).toBeDefined();
  });

  it('refuses every join while interop is off, and again allows them when it is back on', () => {
    const m = service.createMeeting({ organizer: ALICE });
    service.updateInterop('example.com', { interopEnabled: false });
    expect(refusal(service.join(tokens.trusted, { meetingId: m.meetingId, displayName: 'R' }))).toBe('INTEROP_DISABLED');
    expect(refusal(service.join(tokens.trusted, { meetingId: '1234567890123', displayName: 'R' }))).toBe('INTEROP_DISABLED');
    service.updateInterop('example.com', { interopEnabled: true });
    expect(joined(service.join(tokens.trusted, { meetingId: m.meetingId, displayName: 'R' })).state).toBe('joined');
  });

  it('evaluates the OU/group scope against the organizer', () => {
    service.updateInterop('example.com', { scope: { kind: 'units', orgUnits: ['/Sales'], groups: ['vc-admins@example.com'] } });
    const sales = service.createMeeting({ organizer: ALICE }); // /Sales/EMEA: below /Sales
    const eng = service.createMeeting({ organizer: BOB }); // /Engineering, but in the vc-admins group
    const root = service.createMeeting({ organizer: CAROL }); // neither
    expect(joined(service.join(tokens.trusted, { meetingId: sales.meetingId, displayName: 'R' })).state).toBe('joined');
    expect(joined(service.join(tokens.trusted, { meetingId: eng.meetingId, displayName: 'R' })).state).toBe('joined');
    expect(refusal(service.join(tokens.trusted, { meetingId: root.meetingId, displayName: 'R' }))).toBe('OUT_OF_SCOPE');
    service.updateInterop('example.com', { scope: { kind: 'everyone' } });
    expect(joined(service.join(tokens.trusted, { meetingId: root.meetingId, displayName: 'R' })).state).toBe('joined');
  });

  it('accepts only the meeting ID form the tenant uses', () => {
    const m = service.createMeeting({ organizer: ALICE, meetingId: '1234567890123', shortId: '9876543210' });
    expect(refusal(service.join(tokens.trusted, { meetingId: '9876543210', displayName: 'R' }))).toBe('MEETING_NOT_FOUND');
    expect(refusal(service.join(tokens.trusted, { meetingId: '1111111111111', displayName: 'R' }))).toBe('MEETING_NOT_FOUND');
    service.updateInterop('example.com', { meetingIdLength: 'short' });
    expect(refusal(service.join(tokens.trusted, { meetingId: m.meetingId, displayName: 'R' }))).toBe('MEETING_NOT_FOUND');
    expect(joined(service.join(tokens.trusted, { meetingId: '9876543210', displayName: 'R' })).meetingId).toBe(m.meetingId);
  });

  it("does not find another tenant's meeting", () => {
    const other = seed(service, 'other.example');
    const m = service.createMeeting({ organizer: 'alice@other.example' });
    expect(refusal(service.join(tokens.trusted, { meetingId: m.meetingId, displayName: 'R' }))).toBe('MEETING_NOT_FOUND');
    expect(joined(service.join(other.trusted, { meetingId: m.meetingId, displayName: 'R' })).state).toBe('joined');
  });
});

describe('MeetService joins', () => {
  it('lets a gateway leave once, and hides joins from other tokens', () => {
    const m = service.createMeeting({ organizer: ALICE });
    const join = joined(service.join(tokens.trusted, { meetingId: m.meetingId, displayName: 'R' }));
    expect(() => service.getJoin(untrustedInfo(), join.joinId)).toThrow(expect.objectContaining({ apiCode: 'JOIN_NOT_FOUND' }));
    expect(service.leave(trustedInfo(), join.joinId)).toMatchObject({ state: 'disconnected', reason: 'LEFT' });
    expect(service.leave(trustedInfo(), join.joinId).reason).toBe('LEFT');
    expect(service.getMeeting(m.meetingId).participants.map((p) => p.kind)).toEqual(['user']);
  });

  it('replays events after a sequence number, then delivers live ones', () => {
    const m = service.createMeeting({ organizer: ALICE, onKnock: { kind: 'admit', afterMs: 10 } });
    const join = joined(service.join(tokens.untrusted, { meetingId: m.meetingId, displayName: 'R' }));
    clock.advance(10);
    const live: JoinEvent[] = [];
    const watch = service.watch(untrustedInfo(), join.joinId, 0, (e) => live.push(e));
    expect(watch.replay.map((e) => e.type)).toEqual(['admitted']);
    expect(watch.done).toBe(false);
    expect(service.watch(untrustedInfo(), join.joinId, 1, () => {}).replay).toEqual([]);
    service.removeParticipant(m.meetingId, join.participantId);
    expect(live.map((e) => [e.seq, e.type, e.reason])).toEqual([[2, 'removed', 'REMOVED_BY_HOST']]);
    expect(service.watch(untrustedInfo(), join.joinId, 0, () => {}).done).toBe(true);
  });

  it('forgets the oldest finished joins beyond the retention limit', () => {
    const small = new MeetService({ clock, retainedJoins: 2 });
    const t = seed(small);
    const info = small.authenticate(t.trusted)!;
    const m = small.createMeeting({ organizer: ALICE });
    const ids = [1, 2, 3].map((i) => joined(small.join(t.trusted, { meetingId: m.meetingId, displayName: `R${i}` })).joinId);
    for (const id of ids) small.leave(info, id);
    expect(() => small.getJoin(info, ids[0]!)).toThrow(MeetError);
    expect(small.getJoin(info, ids[2]!).state).toBe('disconnected');
    expect(small.dump().joins).toEqual({ active: 0, retained: 2 });
  });

  it('close() disconnects everyone, cancels every timer and refuses new work', () => {
    const m = service.createMeeting({ organizer: ALICE, onKnock: { kind: 'admit', afterMs: 1000 } });
    const events = recordEvents();
    joined(service.join(tokens.untrusted, { meetingId: m.meetingId, displayName: 'R' }));
    joined(service.join(tokens.trusted, { meetingId: m.meetingId, displayName: 'R' }));
    service.close();
    service.close();
    expect(events.map((e) => e.reason)).toEqual(['SERVICE_CLOSED', 'SERVICE_CLOSED']);
    expect(clock.pending).toBe(0);
    expect(() => service.join(tokens.trusted, { meetingId: m.meetingId, displayName: 'R' })).toThrow(/closed/);
  });
});

describe('MeetService state and validation', () => {
  it('creates nothing when any part of a tenant is invalid', () => {
    expect(() =>
      service.createTenant({ domain: 'new.example', users: [{ email: 'a@new.example' }, { email: 'b@elsewhere.example' }] }),
    ).toThrow(expect.objectContaining({ path: 'users[1].email' }));
    expect(service.listTenants().map((t) => t.domain)).toEqual(['example.com']);
    expect(() => service.createTenant({ domain: 'example.com' })).toThrow(expect.objectContaining({ apiCode: 'TENANT_EXISTS' }));
  });

  it('validates meetings: field paths, unknown organizer, taken IDs, contradictions', () => {
    expect(() => service.createMeeting({ organizer: ALICE, meetingId: '123' })).toThrow(expect.objectContaining({ path: 'meetingId' }));
    expect(() => service.createMeeting({ organizer: 'zed@example.com' })).toThrow(expect.objectContaining({ apiCode: 'UNKNOWN_ORGANIZER' }));
    expect(() => service.createMeeting({ organizer: ALICE, onKnock: { kind: 'admit' } as never })).toThrow(
      expect.objectContaining({ path: 'onKnock.afterMs' }),
    );
    expect(() => service.createMeeting({ organizer: ALICE, onKnock: { kind: 'nobodyPresent' }, attendees: ['X'] })).toThrow(ConfigError);
    const m = service.createMeeting({ organizer: ALICE, meetingId: '5555555555555', code: 'abc-defg-hij' });
    expect(m).toMatchObject({ meetingId: '5555555555555', code: 'abc-defg-hij', capacity: 100, state: 'active', tenant: 'example.com' });
    expect(m.shortId).toMatch(/^\d{10}$/);
    expect(service.getMeeting('abc-defg-hij').meetingId).toBe('5555555555555');
    expect(() => service.createMeeting({ organizer: ALICE, meetingId: '5555555555555' })).toThrow(expect.objectContaining({ apiCode: 'MEETING_EXISTS' }));
    expect(service.listMeetings()).toHaveLength(1);
  });

  it('generates 13-digit IDs and abc-defg-hij codes, all distinct', () => {
    const ms = Array.from({ length: 50 }, () => service.createMeeting({ organizer: ALICE }));
    for (const m of ms) {
      expect(m.meetingId).toMatch(/^[1-9]\d{12}$/);
      expect(m.code).toMatch(/^[a-z]{3}-[a-z]{4}-[a-z]{3}$/);
    }
    expect(new Set(ms.map((m) => m.meetingId)).size).toBe(50);
  });

  it('keeps only a hash of token secrets: given secrets work, nothing lists them', () => {
    const given = 'scenario-secret-0123456789';
    const created = service.createToken('example.com', { name: 'fixed', trusted: true, secret: given });
    expect(created.secret).toBe(given);
    expect(service.authenticate(given)?.id).toBe(created.token.id);
    expect(() => service.createToken('example.com', { name: 'dup', trusted: false, secret: given })).toThrow(
      expect.objectContaining({ apiCode: 'TOKEN_EXISTS' }),
    );
    const everything = JSON.stringify([service.dump(), service.listTokens('example.com')]);
    for (const secret of [given, tokens.trusted, tokens.untrusted]) expect(everything).not.toContain(secret);
    expect(Object.keys(created.token).sort()).toEqual(['createdAt', 'id', 'name', 'tenant', 'trusted']);
  });

  it('returns frozen views', () => {
    const m = service.createMeeting({ organizer: ALICE });
    expect(Object.isFrozen(m)).toBe(true);
    expect(Object.isFrozen(m.participants)).toBe(true);
    expect(Object.isFrozen(service.getTenant('example.com').interop)).toBe(true);
  });
});

describe('MeetService with enforceVideoLock: false (a broken Meet for conformance self-tests)', () => {
  it('admits gateway callers to a locked meeting and removes nobody when the lock goes on', () => {
    const broken = new MeetService({ clock, enforceVideoLock: false });
    const t = seed(broken);
    const locked = broken.createMeeting({ organizer: ALICE, videoLock: true });
    expect(broken.join(t.trusted, { meetingId: locked.meetingId, displayName: 'Room' })).toMatchObject({ ok: true, join: { state: 'joined' } });
    const open = broken.createMeeting({ organizer: ALICE });
    const join = broken.join(t.trusted, { meetingId: open.meetingId, displayName: 'Room' });
    broken.setHost(open.meetingId, { videoLock: true });
    expect(broken.getMeeting(open.meetingId).participants.find((p) => join.ok && p.id === join.join.participantId)?.state).toBe('joined');
    // and the default service still enforces it
    const m = service.createMeeting({ organizer: ALICE, videoLock: true });
    expect(refusal(service.join(tokens.trusted, { meetingId: m.meetingId, displayName: 'Room' }))).toBe('VIDEO_LOCKED');
  });
});
