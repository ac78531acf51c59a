import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeClock } from '@gwsim/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MeetAdminClient, MeetAdminError, MeetClient, MeetServer, REFUSALS, type JoinEvent } from '../src/index.ts';
import { ADMIN_KEY } from './support/http.ts';

const ADDRESS = '127.0.2.2';

let server: MeetServer;
let admin: MeetAdminClient;
let client: MeetClient;
let trusted: string;
let untrusted: string;
const stubs: Server[] = [];

beforeEach(async () => {
  server = await MeetServer.start({ address: ADDRESS, port: 0, adminKey: ADMIN_KEY });
  admin = new MeetAdminClient({ baseUrl: server.url, adminKey: ADMIN_KEY });
  client = new MeetClient({ baseUrl: server.url, timeoutMs: 2000 });
  await admin.createTenant({ domain: 'example.com', users: [{ email: 'alice@example.com' }] });
  trusted = (await admin.createToken('example.com', { name: 'example.com (trusted)', trusted: true })).secret;
  untrusted = (await admin.createToken('example.com', { name: 'example.com (untrusted)', trusted: false })).secret;
});

afterEach(async () => {
  await server.close();
  for (const s of stubs.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(condition()).toBe(true);
}

/** A stand-in HTTP peer on loopback that answers however the test says. */
async function stub(handler: RequestListener): Promise<string> {
  const s = createServer(handler);
  stubs.push(s);
  await new Promise<void>((resolve) => s.listen(0, ADDRESS, resolve));
  return `http://${ADDRESS}:${(s.address() as AddressInfo).port}`;
}

describe('MeetClient', () => {
  it('joins directly with a trusted token and leaves', async () => {
    const m = await admin.createMeeting({ organizer: 'alice@example.com' });
    const result = await client.join({ token: trusted, meetingId: m.meetingId, displayName: 'Room' });
    expect(result).toEqual({ ok: true, joinId: expect.any(String), participantId: expect.any(String), state: 'joined' });
    if (!result.ok) return;
    expect((await admin.getMeeting(m.meetingId)).participants).toHaveLength(2);
    const status = await client.status(result.joinId, trusted);
    expect(status.ok && status.join.state).toBe('joined');
    expect(await client.leave(result.joinId, trusted)).toEqual({ ok: true });
    expect((await admin.getMeeting(m.meetingId)).participants).toHaveLength(1);
  });

  it('returns refusals as results with the status, code and message', async () => {
    const m = await admin.createMeeting({ organizer: 'alice@example.com', videoLock: true });
    expect(await client.join({ token: trusted, meetingId: m.meetingId, displayName: 'Room' })).toEqual({
      ok: false,
      status: 403,
      code: 'VIDEO_LOCKED',
      message: REFUSALS.VIDEO_LOCKED.message,
    });
    expect(await client.join({ token: 'nope-nope-nope-nope', meetingId: m.meetingId, displayName: 'Room' })).toMatchObject({
      ok: false,
      status: 401,
      code: 'TOKEN_INVALID',
    });
    expect(await client.join({ token: trusted, meetingId: m.meetingId, displayName: '' })).toMatchObject({ ok: false, status: 400, code: 'INVALID_REQUEST' });
    expect(await client.join({ token: trusted, meetingId: m.meetingId, displayName: 'Room', sdpOffer: 'v=0\r\n' })).toMatchObject({
      ok: false,
      status: 400,
      code: 'INVALID_REQUEST',
      message: expect.stringMatching(/^sdpOffer: is not valid SDP/),
    });
  });

  it('follows a knock from lobby to admission, then to the end of the meeting', async () => {
    const m = await admin.createMeeting({ organizer: 'alice@example.com' });
    const result = await client.join({ token: untrusted, meetingId: m.meetingId, displayName: 'Knocker' });
    if (!result.ok) throw new Error(result.code);
    expect(result.state).toBe('lobby');
    const seen: JoinEvent[] = [];
    const done = client.events(result.joinId, untrusted, (e) => {
      seen.push(e);
      if (e.type === 'admitted') void admin.endMeeting(m.meetingId);
    });
    await admin.admit(m.meetingId, result.participantId);
    const outcome = await done;
    expect(seen.map((e) => e.type)).toEqual(['admitted', 'ended']);
    expect(outcome).toEqual({ ok: true, complete: true, last: seen[1] });
  });

  it('stops following events when the caller aborts', async () => {
    const m = await admin.createMeeting({ organizer: 'alice@example.com' });
    const result = await client.join({ token: trusted, meetingId: m.meetingId, displayName: 'Room' });
    if (!result.ok) throw new Error(result.code);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    expect(await client.events(result.joinId, trusted, () => {}, controller.signal)).toEqual({ ok: true, complete: false, last: undefined });
    expect(await client.events('no-such-join', trusted, () => {})).toMatchObject({ ok: false, status: 404, code: 'JOIN_NOT_FOUND' });
  });

  it('returns when aborted just as the terminal event arrives (regression: undici left the read pending)', async () => {
    // The abort lands while the server is ending the stream; undici (Node 20) then never settled the
    // pending read() and events() hung. A FakeClock fires the outcome right after the stream opens.
    const clock = new FakeClock();
    const fake = await MeetServer.start({ address: ADDRESS, port: 0, adminKey: ADMIN_KEY, clock, media: false });
    try {
      const fakeAdmin = new MeetAdminClient({ baseUrl: fake.url, adminKey: ADMIN_KEY });
      const fakeClient = new MeetClient({ baseUrl: fake.url, timeoutMs: 2000 });
      await fakeAdmin.createTenant({ domain: 'example.com', users: [{ email: 'alice@example.com' }] });
      const secret = (await fakeAdmin.createToken('example.com', { name: 'u', trusted: false })).secret;
      for (let round = 0; round < 5; round++) {
        const m = await fakeAdmin.createMeeting({ organizer: 'alice@example.com', onKnock: { kind: 'nobodyPresent' } });
        const join = await fakeClient.join({ token: secret, meetingId: m.meetingId, displayName: 'R' });
        if (!join.ok) throw new Error(join.code);
        const controller = new AbortController();
        let arrived!: () => void;
        const first = new Promise<void>((r) => (arrived = r));
        const stream = fakeClient.events(join.joinId, secret, () => arrived(), controller.signal);
        await until(() => fake.dump().eventStreams === 1);
        clock.advance(0);
        await first;
        controller.abort();
        const result = await Promise.race([stream, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 2000))]);
        expect(result).toMatchObject({ ok: true, last: { type: 'nobody_to_admit' } });
      }
    } finally {
      await fake.close();
    }
  });

  it('rethrows an error thrown by onEvent', async () => {
    const m = await admin.createMeeting({ organizer: 'alice@example.com', onKnock: { kind: 'deny', afterMs: 0 } });
    const result = await client.join({ token: untrusted, meetingId: m.meetingId, displayName: 'Room' });
    if (!result.ok) throw new Error(result.code);
    const boom = new Error('listener bug');
    await expect(
      client.events(result.joinId, untrusted, () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
  });

  it('reports a stream cut before the join ended as MEET_UNAVAILABLE', async () => {
    const m = await admin.createMeeting({ organizer: 'alice@example.com' });
    const result = await client.join({ token: trusted, meetingId: m.meetingId, displayName: 'Room' });
    if (!result.ok) throw new Error(result.code);
    // A second front end on the same service: closing it cuts the stream but leaves the join in place.
    const front = await MeetServer.start({ address: ADDRESS, port: 0, adminKey: ADMIN_KEY, service: server.service });
    const cut = new MeetClient({ baseUrl: front.url }).events(result.joinId, trusted, () => {});
    await until(() => front.dump().eventStreams === 1);
    await front.close();
    expect(await cut).toMatchObject({ ok: false, status: 503, code: 'MEET_UNAVAILABLE' });
    expect(server.service.closed).toBe(false);
    expect((await client.status(result.joinId, trusted)).ok).toBe(true);
  });

  it('delivers SERVICE_CLOSED to open streams when the server shuts down', async () => {
    const m = await admin.createMeeting({ organizer: 'alice@example.com' });
    const result = await client.join({ token: trusted, meetingId: m.meetingId, displayName: 'Room' });
    if (!result.ok) throw new Error(result.code);
    const events = client.events(result.joinId, trusted, () => {});
    await until(() => server.dump().eventStreams === 1);
    await server.close();
    expect(await events).toMatchObject({ ok: true, complete: true, last: { type: 'removed', reason: 'SERVICE_CLOSED' } });
  });

  it('maps an unreachable service to 503 MEET_UNAVAILABLE', async () => {
    const url = server.url;
    await server.close();
    const dead = new MeetClient({ baseUrl: url, timeoutMs: 2000 });
    expect(await dead.join({ token: trusted, meetingId: '1234567890123', displayName: 'R' })).toMatchObject({
      ok: false,
      status: 503,
      code: 'MEET_UNAVAILABLE',
    });
    expect(await dead.leave('x', trusted)).toMatchObject({ ok: false, code: 'MEET_UNAVAILABLE' });
    expect(await dead.events('x', trusted, () => {})).toMatchObject({ ok: false, code: 'MEET_UNAVAILABLE' });
  });

  it('maps 5xx to MEET_UNAVAILABLE (504 to MEET_TIMEOUT) and junk to MEET_UNAVAILABLE', async () => {
    for (const [status, body, code, mapped] of [
      [500, '{"error":{"code":"X","message":"boom"}}', 'MEET_UNAVAILABLE', 503],
      [502, 'bad gateway', 'MEET_UNAVAILABLE', 503],
      [504, '', 'MEET_TIMEOUT', 504],
      [403, '<html>nope</html>', 'MEET_UNAVAILABLE', 503],
      [200, '{"joinId":1}', 'MEET_UNAVAILABLE', 503],
    ] as const) {
      const url = await stub((_req, res) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(body);
      });
      const result = await new MeetClient({ baseUrl: url }).join({ token: 't', meetingId: '1', displayName: 'R' });
      expect([status, result]).toEqual([status, expect.objectContaining({ ok: false, status: mapped, code })]);
    }
  });

  it('maps a silent service to 504 MEET_TIMEOUT', async () => {
    const url = await stub(() => {
      // never answers
    });
    const slow = new MeetClient({ baseUrl: url, timeoutMs: 100 });
    expect(await slow.join({ token: 't', meetingId: '1', displayName: 'R' })).toMatchObject({ ok: false, status: 504, code: 'MEET_TIMEOUT' });
    expect(await slow.events('j', 't', () => {})).toMatchObject({ ok: false, status: 504, code: 'MEET_TIMEOUT' });
  });
});

describe('MeetAdminClient', () => {
  it('drives tenants, tokens and meetings with typed results', async () => {
    const tenant = await admin.updateInterop('example.com', { meetingIdLength: 'short', gatewayHostname: 'vc.example.com' });
    expect(tenant.interop).toMatchObject({ interopEnabled: true, meetingIdLength: 'short', gatewayHostname: 'vc.example.com' });
    expect(await admin.addUser('example.com', { email: 'bob@example.com', orgUnit: '/Eng' })).toEqual({ email: 'bob@example.com', orgUnit: '/Eng', groups: [] });
    expect((await admin.listTenants()).map((t) => t.users.length)).toEqual([2]);
    const tokens = await admin.listTokens('example.com');
    expect(tokens.map((t) => t.trusted)).toEqual([true, false]);
    const m = await admin.createMeeting({ organizer: 'bob@example.com', meetingId: '1112223334445', shortId: '123456' });
    expect((await client.join({ token: trusted, meetingId: '123456', displayName: 'R' })).ok).toBe(true);
    const k = await client.join({ token: untrusted, meetingId: '123456', displayName: 'K' });
    if (!k.ok) throw new Error(k.code);
    expect((await admin.deny(m.meetingId, k.participantId)).reason).toBe('KNOCK_DENIED');
    const host = await admin.setHost(m.meetingId, { micLock: true, onKnock: { kind: 'admit', afterMs: 0 } });
    expect(host.host).toEqual({ videoLock: false, micLock: true, onKnock: { kind: 'admit', afterMs: 0 } });
    const gw = host.participants.find((p) => p.kind === 'gateway')!;
    expect((await admin.removeParticipant(m.meetingId, gw.id)).reason).toBe('REMOVED_BY_HOST');
    expect((await admin.listMeetings()).map((x) => x.meetingId)).toEqual(['1112223334445']);
    expect((await admin.revokeToken(tokens[0]!.id)).revokedAt).toBeDefined();
  });

  it('throws MeetAdminError with the API code and field path', async () => {
    const err = await admin.createMeeting({ organizer: 'alice@example.com', capacity: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MeetAdminError);
    expect(err).toMatchObject({ status: 400, apiCode: 'INVALID_REQUEST', path: 'capacity', code: 'GWSIM_ERR_HTTP' });
    await expect(admin.getMeeting('nope')).rejects.toMatchObject({ status: 404, apiCode: 'MEETING_NOT_FOUND' });
    await expect(admin.createTenant({ domain: 'example.com' })).rejects.toMatchObject({ status: 409, apiCode: 'TENANT_EXISTS' });
    const intruder = new MeetAdminClient({ baseUrl: server.url, adminKey: 'not-the-admin-key' });
    await expect(intruder.listTenants()).rejects.toMatchObject({ status: 401, apiCode: 'ADMIN_KEY_INVALID' });
    await server.close();
    await expect(admin.listTenants()).rejects.toMatchObject({ code: 'GWSIM_ERR_TRANSPORT' });
  });
});
