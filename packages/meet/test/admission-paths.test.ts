/**
 * Every admission path of DOMAIN.md §2/§5 end to end, as a Conferencing Node sees it: MeetClient over real
 * HTTP against MeetServer, outcomes read from the join answer or the join's event stream. Knock timers run
 * on a FakeClock.
 */
import { FakeClock } from '@gwsim/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MeetAdminClient, MeetClient, MeetServer, REFUSALS, type JoinEvent, type JoinResult, type MeetingSpec } from '../src/index.ts';
import { ADMIN_KEY } from './support/http.ts';

const ADDRESS = '127.0.24.30';

let clock: FakeClock;
let server: MeetServer;
let admin: MeetAdminClient;
let client: MeetClient;
let trusted: string;
let untrusted: string;
let trustedId: string;

beforeEach(async () => {
  clock = new FakeClock();
  server = await MeetServer.start({ address: ADDRESS, port: 0, adminKey: ADMIN_KEY, clock });
  admin = new MeetAdminClient({ baseUrl: server.url, adminKey: ADMIN_KEY });
  client = new MeetClient({ baseUrl: server.url, timeoutMs: 2000 });
  await admin.createTenant({
    domain: 'example.com',
    users: [{ email: 'alice@example.com', orgUnit: '/Sales' }, { email: 'carol@example.com', orgUnit: '/Support' }],
  });
  const t = await admin.createToken('example.com', { name: 'example.com (trusted)', trusted: true });
  trusted = t.secret;
  trustedId = t.token.id;
  untrusted = (await admin.createToken('example.com', { name: 'example.com (untrusted)', trusted: false })).secret;
});

afterEach(async () => {
  await server.close();
});

const meeting = (spec: Partial<MeetingSpec> = {}) => admin.createMeeting({ organizer: 'alice@example.com', ...spec });

async function joinAs(token: string, meetingId: string): Promise<JoinResult> {
  return client.join({ token, meetingId, displayName: 'Room 1' });
}

function accepted(result: JoinResult) {
  if (!result.ok) throw new Error(`refused: ${result.code}`);
  return result;
}

/** Open the join's event stream, run `act` (which moves the clock or calls the admin API), return the first event. */
async function firstEventAfter(joinId: string, token: string, act: () => Promise<unknown> | void): Promise<JoinEvent> {
  const controller = new AbortController();
  let resolve!: (e: JoinEvent) => void;
  const first = new Promise<JoinEvent>((r) => (resolve = r));
  const stream = client.events(joinId, token, (e) => resolve(e), controller.signal);
  // Wait until the server has the stream open, so the event is delivered live.
  for (let i = 0; i < 100 && server.dump().eventStreams === 0; i++) await new Promise((r) => setTimeout(r, 5));
  await act();
  const event = await first;
  controller.abort();
  await stream;
  return event;
}

const refusal = (code: keyof typeof REFUSALS) => ({ ok: false, status: REFUSALS[code].status, code, message: REFUSALS[code].message });

describe('admission paths over the interop API', () => {
  it('trusted token: joins directly', async () => {
    const m = await meeting();
    expect(accepted(await joinAs(trusted, m.meetingId)).state).toBe('joined');
    expect((await admin.getMeeting(m.meetingId)).participants.map((p) => p.kind)).toEqual(['user', 'gateway']);
  });

  it('untrusted token: knocks, then is admitted', async () => {
    const m = await meeting({ onKnock: { kind: 'admit', afterMs: 3000 } });
    const join = accepted(await joinAs(untrusted, m.meetingId));
    expect(join.state).toBe('lobby');
    const event = await firstEventAfter(join.joinId, untrusted, () => clock.advance(3000));
    expect(event).toMatchObject({ type: 'admitted', state: 'joined' });
  });

  it('untrusted token: knocks, then is denied (KNOCK_DENIED)', async () => {
    const m = await meeting();
    const join = accepted(await joinAs(untrusted, m.meetingId));
    const event = await firstEventAfter(join.joinId, untrusted, () => admin.deny(m.meetingId, join.participantId));
    expect(event).toMatchObject({ type: 'denied', reason: 'KNOCK_DENIED', state: 'disconnected' });
  });

  it('untrusted token: knocks and nobody answers within 300 s (KNOCK_TIMEOUT)', async () => {
    const m = await meeting({ onKnock: { kind: 'ignore' } });
    const join = accepted(await joinAs(untrusted, m.meetingId));
    clock.advance(299_999);
    expect(await client.status(join.joinId, untrusted)).toMatchObject({ ok: true, join: { state: 'lobby' } });
    const event = await firstEventAfter(join.joinId, untrusted, () => clock.advance(1));
    expect(event).toMatchObject({ type: 'knock_timeout', reason: 'KNOCK_TIMEOUT' });
  });

  it('untrusted token: knocks and there is nobody in the meeting to admit (NOBODY_TO_ADMIT)', async () => {
    const m = await meeting({ onKnock: { kind: 'nobodyPresent' } });
    const join = accepted(await joinAs(untrusted, m.meetingId));
    const event = await firstEventAfter(join.joinId, untrusted, () => clock.advance(0));
    expect(event).toMatchObject({ type: 'nobody_to_admit', reason: 'NOBODY_TO_ADMIT' });
  });

  it('video lock: refuses a join (VIDEO_LOCKED)', async () => {
    const m = await meeting({ videoLock: true });
    expect(await joinAs(trusted, m.meetingId)).toEqual(refusal('VIDEO_LOCKED'));
    expect(await joinAs(untrusted, m.meetingId)).toEqual(refusal('VIDEO_LOCKED'));
  });

  it('video lock switched on: removes a joined gateway participant (removed, VIDEO_LOCKED)', async () => {
    const m = await meeting();
    const join = accepted(await joinAs(trusted, m.meetingId));
    const event = await firstEventAfter(join.joinId, trusted, () => admin.setHost(m.meetingId, { videoLock: true }));
    expect(event).toMatchObject({ type: 'removed', reason: 'VIDEO_LOCKED', state: 'disconnected' });
    expect((await admin.getMeeting(m.meetingId)).participants.map((p) => p.kind)).toEqual(['user']);
  });

  it('interop switched off: refuses (INTEROP_DISABLED)', async () => {
    const m = await meeting();
    await admin.updateInterop('example.com', { interopEnabled: false });
    expect(await joinAs(trusted, m.meetingId)).toEqual(refusal('INTEROP_DISABLED'));
  });

  it('organizer outside the OU/group scope: refuses (OUT_OF_SCOPE)', async () => {
    const inScope = await meeting();
    const outOfScope = await admin.createMeeting({ organizer: 'carol@example.com' });
    await admin.updateInterop('example.com', { scope: { kind: 'units', orgUnits: ['/Sales'], groups: [] } });
    expect(await joinAs(trusted, outOfScope.meetingId)).toEqual(refusal('OUT_OF_SCOPE'));
    expect(accepted(await joinAs(trusted, inScope.meetingId)).state).toBe('joined');
  });

  it('revoked token: refuses like an unknown one (TOKEN_INVALID)', async () => {
    const m = await meeting();
    await admin.revokeToken(trustedId);
    expect(await joinAs(trusted, m.meetingId)).toEqual(refusal('TOKEN_INVALID'));
    expect(await joinAs('never-issued-secret-0123456789', m.meetingId)).toEqual(refusal('TOKEN_INVALID'));
  });

  it('ended meeting: refuses (MEETING_ENDED)', async () => {
    const m = await meeting();
    await admin.endMeeting(m.meetingId);
    expect(await joinAs(trusted, m.meetingId)).toEqual(refusal('MEETING_ENDED'));
  });

  it('full meeting: refuses (MEETING_FULL)', async () => {
    const m = await meeting({ capacity: 2, attendees: ['Alice', 'Bob'] });
    expect(await joinAs(trusted, m.meetingId)).toEqual(refusal('MEETING_FULL'));
    expect(await joinAs(untrusted, m.meetingId)).toEqual(refusal('MEETING_FULL'));
  });

  it('short IDs: accepted only when the tenant uses them, and long IDs then are not', async () => {
    const m = await meeting({ meetingId: '1234567890123', shortId: '9876543210' });
    expect(await joinAs(trusted, m.shortId)).toEqual(refusal('MEETING_NOT_FOUND'));
    await admin.updateInterop('example.com', { meetingIdLength: 'short' });
    expect(accepted(await joinAs(trusted, '9876543210')).state).toBe('joined');
    expect(await joinAs(trusted, '1234567890123')).toEqual(refusal('MEETING_NOT_FOUND'));
  });
});
