/**
 * A token secret is shown once, in the answer that creates it, and nowhere else: not in any log line (debug
 * level), not in any list or view, not in any error (401/403/400 bodies, client error results, thrown
 * admin errors), not in dumps. The scenario drives every path that handles a secret, WebRTC joins included.
 */
import { createLogger } from '@gwsim/common';
import { afterEach, describe, expect, it } from 'vitest';
import { WebRtcPeer } from '@gwsim/media';
import { MeetAdminClient, MeetAdminError, MeetClient, MeetServer, type CreatedToken } from '../src/index.ts';
import { ADMIN_KEY, call } from './support/http.ts';

const ADDRESS = '127.0.24.40';
const GATEWAY = '127.0.24.41';

let server: MeetServer | undefined;
let peer: WebRtcPeer | undefined;

afterEach(async () => {
  await peer?.close();
  await server?.close();
});

describe('token secrets', () => {
  it('appear in no log line, no list or view, no error message and no dump', async () => {
    const logs: string[] = [];
    const logger = createLogger({ level: 'debug', sink: (line) => logs.push(line) });
    server = await MeetServer.start({ address: ADDRESS, port: 0, adminKey: ADMIN_KEY, logger });
    const admin = new MeetAdminClient({ baseUrl: server.url, adminKey: ADMIN_KEY });
    const client = new MeetClient({ baseUrl: server.url, timeoutMs: 5000 });
    /** Everything the service said, except the creation answers. */
    const seen: string[] = [];
    const api = async (...args: Parameters<typeof call>) => {
      const res = await call(...args);
      seen.push(res.text);
      return res;
    };
    const result = <T>(value: T): T => {
      seen.push(JSON.stringify(value));
      return value;
    };

    await api(server, 'POST', '/admin/v1/tenants', { admin: true, body: { domain: 'example.com', users: [{ email: 'alice@example.com' }] } });
    await api(server, 'POST', '/admin/v1/tenants', { admin: true, body: { domain: 'other.example', users: [{ email: 'bob@other.example' }], interop: { interopEnabled: false } } });
    const create = async (domain: string, body: Record<string, unknown>) =>
      (await call(server!, 'POST', `/admin/v1/tenants/${domain}/tokens`, { admin: true, body })).json as CreatedToken;
    const trusted = await create('example.com', { name: 'example.com (trusted)', trusted: true });
    const untrusted = await create('example.com', { name: 'example.com (untrusted)', trusted: false });
    const given = await create('example.com', { name: 'scenario', trusted: true, secret: 'given-secret-0123456789abcdef' });
    const otherTenant = await create('other.example', { name: 'other', trusted: true });
    const invalidGiven = ['short-secret', 'a secret with spaces in it!', 'x'.repeat(101)];
    const wrong = 'an-unknown-secret-0123456789';
    const secrets = [trusted.secret, untrusted.secret, given.secret, otherTenant.secret, ...invalidGiven, wrong];
    expect(given.secret).toBe('given-secret-0123456789abcdef');

    // Creation refusals that quote input must not quote a secret (400 and 409).
    for (const secret of invalidGiven) {
      const res = await api(server, 'POST', '/admin/v1/tenants/example.com/tokens', { admin: true, body: { name: 'bad', trusted: true, secret } });
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ error: { code: 'INVALID_REQUEST', path: 'secret' } });
    }
    expect((await api(server, 'POST', '/admin/v1/tenants/example.com/tokens', { admin: true, body: { name: 'dup', trusted: true, secret: given.secret } })).status).toBe(409);
    const thrown = await admin.createToken('example.com', { name: 'bad', trusted: true, secret: invalidGiven[0]! }).catch((err: unknown) => err);
    expect(thrown).toBeInstanceOf(MeetAdminError);
    seen.push(String((thrown as Error).message), JSON.stringify(thrown));

    // Lists and views.
    await api(server, 'GET', '/admin/v1/tenants', { admin: true });
    await api(server, 'GET', '/admin/v1/tenants/example.com', { admin: true });
    await api(server, 'GET', '/admin/v1/tenants/example.com/tokens', { admin: true });
    await api(server, 'GET', '/admin/v1/tenants/other.example/tokens', { admin: true });
    const m = await admin.createMeeting({ organizer: 'alice@example.com' });
    const otherMeeting = await admin.createMeeting({ organizer: 'bob@other.example' });

    // Joins: trusted over WebRTC, untrusted knocking then admitted, each followed over SSE.
    peer = await WebRtcPeer.create({ address: GATEWAY });
    const joinedRes = result(await client.join({ token: trusted.secret, meetingId: m.meetingId, displayName: 'Room 1', sdpOffer: await peer.createOffer() }));
    if (!joinedRes.ok) throw new Error(joinedRes.code);
    await peer.acceptAnswer(joinedRes.sdpAnswer!);
    await peer.waitConnected(5000);
    const knock = result(await client.join({ token: untrusted.secret, meetingId: m.meetingId, displayName: 'Room 2' }));
    if (!knock.ok) throw new Error(knock.code);
    result(await admin.admit(m.meetingId, knock.participantId));
    await api(server, 'GET', `/interop/v1/joins/${joinedRes.joinId}`, { token: trusted.secret });
    result(await client.status(knock.joinId, untrusted.secret));
    await api(server, 'GET', '/admin/v1/meetings', { admin: true });
    await api(server, 'GET', `/admin/v1/meetings/${m.meetingId}`, { admin: true });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    result(await client.events(knock.joinId, untrusted.secret, (e) => seen.push(JSON.stringify(e)), controller.signal));

    // Refusals: 401 (unknown, revoked, missing, malformed), 403 (interop off, video lock), 404 for others' joins.
    await admin.revokeToken(given.token.id);
    result(await client.join({ token: wrong, meetingId: m.meetingId, displayName: 'R' }));
    result(await client.join({ token: given.secret, meetingId: m.meetingId, displayName: 'R' }));
    result(await client.status(joinedRes.joinId, wrong));
    result(await client.leave(joinedRes.joinId, given.secret));
    result(await client.events(joinedRes.joinId, wrong, () => {}));
    result(await client.status(joinedRes.joinId, untrusted.secret));
    await api(server, 'GET', `/interop/v1/joins/${joinedRes.joinId}`, { headers: { authorization: `Basic ${trusted.secret}` } });
    await api(server, 'GET', `/interop/v1/joins/${joinedRes.joinId}`, { headers: { authorization: `Bearer ${trusted.secret} extra` } });
    await api(server, 'POST', '/interop/v1/joins', { token: wrong, body: { meetingId: m.meetingId, displayName: 'R', sdpOffer: 'v=0' } });
    result(await client.join({ token: otherTenant.secret, meetingId: otherMeeting.meetingId, displayName: 'R' }));
    await admin.setHost(m.meetingId, { videoLock: true });
    result(await client.join({ token: trusted.secret, meetingId: m.meetingId, displayName: 'R' }));
    await api(server, 'POST', '/interop/v1/joins', { token: untrusted.secret, body: { meetingId: m.meetingId, displayName: 'R', colour: 'blue' } });
    await api(server, 'GET', '/admin/v1/tenants', { admin: trusted.secret });
    await api(server, 'GET', '/admin/v1/tenants/example.com/tokens', { admin: true });

    seen.push(JSON.stringify(server.dump()));
    await server.close();

    expect(logs.some((l) => l.includes('interop credential created'))).toBe(true);
    expect(logs.some((l) => l.includes('webrtc leg answered'))).toBe(true);
    expect(logs.some((l) => l.includes('join refused'))).toBe(true);
    const everything = [...logs, ...seen];
    for (const secret of secrets) {
      const leaks = everything.filter((text) => text.includes(secret));
      expect(leaks, `secret ${secret.slice(0, 6)}… leaked`).toEqual([]);
    }
    // The 401s all carried the one TOKEN_INVALID answer.
    expect(seen.filter((t) => t.includes('TOKEN_INVALID')).length).toBeGreaterThanOrEqual(6);
  });
});
