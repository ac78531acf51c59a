import { createLogger, FakeClock } from '@gwsim/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MeetServer, REFUSALS, type CreatedToken, type JoinView, type MeetingSnapshot, type TokenInfo } from '../src/index.ts';
import { ADMIN_KEY, call, openEvents } from './support/http.ts';

const ADDRESS = '127.0.2.1';

let server: MeetServer;
let clock: FakeClock;
let logLines: string[];

beforeEach(async () => {
  clock = new FakeClock();
  logLines = [];
  const logger = createLogger({ level: 'debug', sink: (line) => logLines.push(line) });
  server = await MeetServer.start({ address: ADDRESS, port: 0, adminKey: ADMIN_KEY, logger, clock });
});

afterEach(async () => {
  await server.close();
});

/** Tenant example.com with alice as organizer, a trusted and an untrusted token, over the admin API. */
async function setUp(): Promise<{ trusted: CreatedToken; untrusted: CreatedToken }> {
  const tenant = await call(server, 'POST', '/admin/v1/tenants', {
    admin: true,
    body: { domain: 'example.com', users: [{ email: 'alice@example.com', orgUnit: '/Sales' }] },
  });
  expect(tenant.status).toBe(201);
  const trusted = await call(server, 'POST', '/admin/v1/tenants/example.com/tokens', { admin: true, body: { name: 'example.com (trusted)', trusted: true } });
  const untrusted = await call(server, 'POST', '/admin/v1/tenants/example.com/tokens', { admin: true, body: { name: 'example.com (untrusted)', trusted: false } });
  expect([trusted.status, untrusted.status]).toEqual([201, 201]);
  return { trusted: trusted.json as CreatedToken, untrusted: untrusted.json as CreatedToken };
}

async function createMeeting(body: Record<string, unknown> = {}): Promise<MeetingSnapshot> {
  const res = await call(server, 'POST', '/admin/v1/meetings', { admin: true, body: { organizer: 'alice@example.com', ...body } });
  expect(res.status).toBe(201);
  return res.json as MeetingSnapshot;
}

const join = (token: string, meetingId: string, displayName = 'Room 1') =>
  call(server, 'POST', '/interop/v1/joins', { token, body: { meetingId, displayName } });

describe('MeetServer admin API', () => {
  it('requires the admin key on every admin route', async () => {
    for (const [method, path] of [
      ['POST', '/admin/v1/tenants'],
      ['GET', '/admin/v1/tenants/example.com/tokens'],
      ['GET', '/admin/v1/meetings/1234567890123'],
      ['PATCH', '/admin/v1/meetings/1234567890123/host'],
    ] as const) {
      for (const admin of [false, 'wrong-key', ADMIN_KEY + 'x']) {
        const res = await call(server, method, path, { admin, ...(method !== 'GET' && { body: {} }) });
        expect(res.status, `${method} ${path} ${String(admin)}`).toBe(401);
        expect(res.json).toEqual({ error: { code: 'ADMIN_KEY_INVALID', message: expect.any(String) } });
      }
    }
    expect(server.service.listTenants()).toEqual([]);
  });

  it('returns a token secret once, at creation, and never in listings', async () => {
    const { trusted, untrusted } = await setUp();
    expect(trusted.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(trusted.token).toMatchObject({ tenant: 'example.com', name: 'example.com (trusted)', trusted: true });
    const list = await call(server, 'GET', '/admin/v1/tenants/example.com/tokens', { admin: true });
    expect(list.status).toBe(200);
    expect((list.json as { tokens: TokenInfo[] }).tokens.map((t) => t.id)).toEqual([trusted.token.id, untrusted.token.id]);
    expect(list.text).not.toContain(trusted.secret);
    expect(list.text).not.toContain(untrusted.secret);
    expect(list.text).not.toContain('secret');
    const tenant = await call(server, 'GET', '/admin/v1/tenants/example.com', { admin: true });
    expect(tenant.text).not.toContain(trusted.secret);

    const revoked = await call(server, 'POST', `/admin/v1/tokens/${trusted.token.id}/revoke`, { admin: true });
    expect(revoked.status).toBe(200);
    expect((revoked.json as TokenInfo).revokedAt).toEqual(expect.any(String));
    expect(revoked.text).not.toContain(trusted.secret);
    expect((await call(server, 'POST', '/admin/v1/tokens/nope/revoke', { admin: true })).status).toBe(404);
  });

  it('answers 400 with the field path for bad bodies, and applies nothing', async () => {
    const bad = [
      { body: { domain: 'x.com', users: [{ email: 'a@x.com' }, { email: 'b@x.com', groups: ['ok@x.com', 7] }] }, path: 'users[1].groups[1]' },
      { body: { domain: 'x.com', interop: { meetingIdLength: 'medium' } }, path: 'interop.meetingIdLength' },
      { body: { domain: 'x.com', colour: 'blue' }, path: 'colour' },
      { body: { interop: {} }, path: 'domain' },
      { body: [], path: undefined },
    ];
    for (const { body, path } of bad) {
      const res = await call(server, 'POST', '/admin/v1/tenants', { admin: true, body });
      expect(res.status).toBe(400);
      expect(res.json).toEqual({ error: { code: 'INVALID_REQUEST', message: expect.any(String), ...(path && { path }) } });
    }
    const malformed = await call(server, 'POST', '/admin/v1/tenants', { admin: true, raw: '{"domain": "x.com",' });
    expect(malformed.status).toBe(400);
    expect(malformed.json).toEqual({ error: { code: 'INVALID_REQUEST', message: 'The request body is not valid JSON.' } });
    expect((await call(server, 'GET', '/admin/v1/tenants/x.com', { admin: true })).status).toBe(404);
    const media = await call(server, 'POST', '/admin/v1/tenants', { admin: true, raw: 'domain=x.com', headers: { 'content-type': 'text/plain' } });
    expect(media.status).toBe(415);
  });

  it('refuses bodies over 64 KiB with 413, declared or streamed', async () => {
    const big = { domain: 'x.com', users: [{ email: 'a@x.com', groups: [`${'g'.repeat(64)}@x.com`] }], pad: 'x'.repeat(70_000) };
    const declared = await call(server, 'POST', '/admin/v1/tenants', { admin: true, body: big });
    expect(declared.status).toBe(413);
    expect((declared.json as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');

    const chunk = new TextEncoder().encode('x'.repeat(16 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await fetch(`${server.url}/admin/v1/tenants`, {
      method: 'POST',
      headers: { 'x-gwsim-admin-key': ADMIN_KEY, 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    await res.text();
    expect(server.service.listTenants()).toEqual([]);
  });

  it('answers unknown routes with 404 and wrong methods with 405, in JSON', async () => {
    const missing = await call(server, 'GET', '/nope');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
    const wrong = await call(server, 'PUT', '/admin/v1/tenants', { admin: true, body: {} });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, POST');
    expect((wrong.json as { error: { code: string } }).error.code).toBe('METHOD_NOT_ALLOWED');
    expect((await call(server, 'GET', '/admin/v1/meetings/1234567890123', { admin: true })).status).toBe(404);
  });
});

describe('MeetServer interop API', () => {
  it('joins, shows the participant, and leaves', async () => {
    const { trusted } = await setUp();
    const m = await createMeeting();
    expect(m.participants.map((p) => p.kind)).toEqual(['user']);

    const res = await join(trusted.secret, m.meetingId);
    expect(res.status).toBe(200);
    const { joinId, participantId, state } = res.json as { joinId: string; participantId: string; state: string };
    expect(state).toBe('joined');
    expect(Object.keys(res.json as object).sort()).toEqual(['joinId', 'participantId', 'state']);

    const during = (await call(server, 'GET', `/admin/v1/meetings/${m.meetingId}`, { admin: true })).json as MeetingSnapshot;
    expect(during.participants.map((p) => [p.kind, p.displayName])).toEqual([
      ['user', 'alice@example.com'],
      ['gateway', 'Room 1'],
    ]);
    expect(during.participants[1]!.id).toBe(participantId);

    const status = await call(server, 'GET', `/interop/v1/joins/${joinId}`, { token: trusted.secret });
    expect((status.json as JoinView).state).toBe('joined');
    const left = await call(server, 'DELETE', `/interop/v1/joins/${joinId}`, { token: trusted.secret });
    expect(left.status).toBe(204);
    expect(left.text).toBe('');

    const after = (await call(server, 'GET', `/admin/v1/meetings/${m.code}`, { admin: true })).json as MeetingSnapshot;
    expect(after.participants.map((p) => p.kind)).toEqual(['user']);
    expect(((await call(server, 'GET', `/interop/v1/joins/${joinId}`, { token: trusted.secret })).json as JoinView).reason).toBe('LEFT');
  });

  it('gives one answer for missing, unknown and revoked tokens', async () => {
    const { trusted } = await setUp();
    const m = await createMeeting();
    await call(server, 'POST', `/admin/v1/tokens/${trusted.token.id}/revoke`, { admin: true });
    const answers = [
      await call(server, 'POST', '/interop/v1/joins', { body: { meetingId: m.meetingId, displayName: 'R' } }),
      await join('unknown-secret-value', m.meetingId),
      await join(trusted.secret, m.meetingId),
      await call(server, 'GET', '/interop/v1/joins/whatever', { token: trusted.secret }),
    ];
    for (const a of answers) {
      expect(a.status).toBe(401);
      expect(a.text).toBe(JSON.stringify({ error: { code: 'TOKEN_INVALID', message: REFUSALS.TOKEN_INVALID.message } }));
      expect(a.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
  });

  it('maps every refusal to its status and code', async () => {
    const { trusted } = await setUp();
    const locked = await createMeeting({ videoLock: true });
    const full = await createMeeting({ capacity: 1 });
    const ended = await createMeeting();
    await call(server, 'POST', `/admin/v1/meetings/${ended.meetingId}/end`, { admin: true });
    const cases: [string, number, string][] = [
      [locked.meetingId, 403, 'VIDEO_LOCKED'],
      [full.meetingId, 409, 'MEETING_FULL'],
      [ended.meetingId, 404, 'MEETING_ENDED'],
      ['0000000000000', 404, 'MEETING_NOT_FOUND'],
      [full.shortId, 404, 'MEETING_NOT_FOUND'],
    ];
    for (const [meetingId, status, code] of cases) {
      const res = await join(trusted.secret, meetingId);
      expect([res.status, res.json]).toEqual([status, { error: { code, message: REFUSALS[code as keyof typeof REFUSALS].message } }]);
    }
    await call(server, 'PATCH', '/admin/v1/tenants/example.com', { admin: true, body: { scope: { kind: 'units', orgUnits: ['/Eng'], groups: [] } } });
    expect((await join(trusted.secret, full.meetingId)).json).toMatchObject({ error: { code: 'OUT_OF_SCOPE' } });
    await call(server, 'PATCH', '/admin/v1/tenants/example.com', { admin: true, body: { interopEnabled: false } });
    const off = await join(trusted.secret, full.meetingId);
    expect([off.status, (off.json as { error: { code: string } }).error.code]).toEqual([403, 'INTEROP_DISABLED']);
  });

  it('checks join bodies with field paths', async () => {
    const { trusted } = await setUp();
    const cases: [unknown, string][] = [
      [{ meetingId: '1234567890123', displayName: 5 }, 'displayName'],
      [{ meetingId: '1234567890123' }, 'displayName'],
      [{ meetingId: '1234567890123', displayName: 'R', sdp: 'v=0' }, 'sdp'],
      [{ meetingId: 1234567890123, displayName: 'R' }, 'meetingId'],
    ];
    for (const [body, path] of cases) {
      const res = await call(server, 'POST', '/interop/v1/joins', { token: trusted.secret, body });
      expect(res.status).toBe(400);
      expect((res.json as { error: { path: string } }).error).toMatchObject({ code: 'INVALID_REQUEST', path });
    }
  });

  it('streams lobby events: admitted, then ended, then closes', async () => {
    const { untrusted } = await setUp();
    const m = await createMeeting();
    const res = await join(untrusted.secret, m.meetingId);
    const { joinId, participantId, state } = res.json as { joinId: string; participantId: string; state: string };
    expect(state).toBe('lobby');
    const lobby = ((await call(server, 'GET', `/admin/v1/meetings/${m.meetingId}`, { admin: true })).json as MeetingSnapshot).lobby;
    expect(lobby.map((p) => p.id)).toEqual([participantId]);

    const events = await openEvents(server, joinId, untrusted.secret);
    expect(events.status).toBe(200);
    expect(events.contentType).toMatch(/^text\/event-stream/);
    const admit = await call(server, 'POST', `/admin/v1/meetings/${m.meetingId}/lobby/${participantId}/admit`, { admin: true });
    expect(admit.status).toBe(200);
    expect(await events.next()).toMatchObject({ seq: 1, type: 'admitted', joinId, participantId, state: 'joined' });
    await call(server, 'POST', `/admin/v1/meetings/${m.meetingId}/end`, { admin: true });
    expect(await events.next()).toMatchObject({ seq: 2, type: 'ended', reason: 'MEETING_ENDED', state: 'disconnected' });
    expect(await events.ended).toBe('closed');
    expect(server.dump().eventStreams).toBe(0);
  });

  it('streams scripted knock outcomes and video-lock removal', async () => {
    const { trusted, untrusted } = await setUp();
    const denying = await createMeeting({ onKnock: { kind: 'deny', afterMs: 1000 } });
    const knock = (await join(untrusted.secret, denying.meetingId)).json as { joinId: string };
    const denied = await openEvents(server, knock.joinId, untrusted.secret);
    clock.advance(1000);
    expect(await denied.next()).toMatchObject({ type: 'denied', reason: 'KNOCK_DENIED' });
    expect(await denied.ended).toBe('closed');

    const m = await createMeeting();
    const inCall = (await join(trusted.secret, m.meetingId)).json as { joinId: string };
    const removed = await openEvents(server, inCall.joinId, trusted.secret);
    const patch = await call(server, 'PATCH', `/admin/v1/meetings/${m.meetingId}/host`, { admin: true, body: { videoLock: true } });
    expect((patch.json as MeetingSnapshot).host.videoLock).toBe(true);
    expect(await removed.next()).toMatchObject({ type: 'removed', reason: 'VIDEO_LOCKED' });
    expect(await removed.ended).toBe('closed');
  });

  it('replays the outcome to a stream opened after the join ended', async () => {
    const { untrusted } = await setUp();
    const m = await createMeeting({ onKnock: { kind: 'nobodyPresent' } });
    const { joinId } = (await join(untrusted.secret, m.meetingId)).json as { joinId: string };
    clock.advance(0);
    const late = await openEvents(server, joinId, untrusted.secret);
    expect(await late.next()).toMatchObject({ type: 'nobody_to_admit', reason: 'NOBODY_TO_ADMIT' });
    expect(await late.ended).toBe('closed');
  });

  it("hides one token's joins from another token", async () => {
    const { trusted, untrusted } = await setUp();
    const m = await createMeeting();
    const { joinId } = (await join(trusted.secret, m.meetingId)).json as { joinId: string };
    for (const [method, path] of [
      ['GET', `/interop/v1/joins/${joinId}`],
      ['GET', `/interop/v1/joins/${joinId}/events`],
      ['DELETE', `/interop/v1/joins/${joinId}`],
    ] as const) {
      const res = await call(server, method, path, { token: untrusted.secret });
      expect([method, res.status, (res.json as { error: { code: string } }).error.code]).toEqual([method, 404, 'JOIN_NOT_FOUND']);
    }
  });
});

describe('MeetServer lifecycle and logs', () => {
  it('never logs a secret or the admin key', async () => {
    const { trusted, untrusted } = await setUp();
    const m = await createMeeting({ onKnock: { kind: 'admit', afterMs: 10 } });
    const a = (await join(trusted.secret, m.meetingId)).json as { joinId: string };
    await join(untrusted.secret, m.meetingId);
    clock.advance(10);
    await join('a-wrong-secret-that-is-long', m.meetingId);
    await call(server, 'POST', '/admin/v1/tenants/example.com/tokens', { admin: true, body: { name: 'given', trusted: true, secret: 'given-secret-abcdefghijkl' } });
    await call(server, 'POST', '/admin/v1/tenants/example.com/tokens', { admin: true, body: { name: 'x', trusted: true, secret: 'bad secret with spaces' } });
    await call(server, 'POST', '/admin/v1/tenants', { admin: 'wrong-admin-key-zzz', body: {} });
    await call(server, 'DELETE', `/interop/v1/joins/${a.joinId}`, { token: trusted.secret });
    await call(server, 'POST', `/admin/v1/tokens/${trusted.token.id}/revoke`, { admin: true });
    await server.close();
    expect(logLines.some((l) => l.includes('interop credential created'))).toBe(true);
    expect(logLines.some((l) => l.includes('gateway admitted'))).toBe(true);
    const all = logLines.join('\n');
    for (const secret of [trusted.secret, untrusted.secret, 'given-secret-abcdefghijkl', 'bad secret with spaces', 'a-wrong-secret-that-is-long', ADMIN_KEY, 'wrong-admin-key-zzz']) {
      expect(all).not.toContain(secret);
    }
  });

  it('close() is idempotent, ends open event streams and stops answering', async () => {
    const { trusted } = await setUp();
    const m = await createMeeting();
    const { joinId } = (await join(trusted.secret, m.meetingId)).json as { joinId: string };
    const events = await openEvents(server, joinId, trusted.secret);
    expect(server.dump()).toMatchObject({ closed: false, eventStreams: 1 });
    const first = server.close();
    expect(server.close()).toBe(first);
    await first;
    expect(['closed', 'aborted']).toContain(await events.ended);
    expect(server.closed).toBe(true);
    expect(server.service.closed).toBe(true);
    await expect(fetch(`${server.url}/admin/v1/tenants`)).rejects.toThrow();
  });

  it('refuses to start without a usable admin key or on a taken port', async () => {
    await expect(MeetServer.start({ address: ADDRESS, port: 0, adminKey: '' })).rejects.toThrow(/adminKey/);
    await expect(MeetServer.start({ address: ADDRESS, port: server.port, adminKey: ADMIN_KEY })).rejects.toMatchObject({ code: 'GWSIM_ERR_TRANSPORT' });
  });
});
