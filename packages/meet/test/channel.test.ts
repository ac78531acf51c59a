import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHANNEL_PATH, CHANNEL_PROTOCOL, MeetChannelClient, MeetServer, REFUSALS, type JoinEvent } from '../src/index.ts';
import { ADMIN_KEY } from './support/http.ts';

const ADDRESS = '127.0.60.2';

let server: MeetServer;
let client: MeetChannelClient;
let trusted: string;
let untrusted: string;
let meetingId: string;
const cleanups: Array<() => Promise<void> | void> = [];

beforeEach(async () => {
  server = await MeetServer.start({ address: ADDRESS, port: 0, adminKey: ADMIN_KEY, media: false });
  client = new MeetChannelClient({ baseUrl: server.url, timeoutMs: 2000 });
  server.service.createTenant({ domain: 'example.com', users: [{ email: 'alice@example.com' }] });
  trusted = server.service.createToken('example.com', { name: 'trusted', trusted: true }).secret;
  untrusted = server.service.createToken('example.com', { name: 'untrusted', trusted: false }).secret;
  meetingId = server.service.createMeeting({ organizer: 'alice@example.com' }).meetingId;
});

afterEach(async () => {
  await client.close();
  await server.close();
  for (const c of cleanups.splice(0)) await c();
});

/** A raw channel socket, to send what a well-behaved client never would. */
async function raw(): Promise<{ ws: WebSocket; next: () => Promise<Record<string, unknown>> }> {
  const ws = new WebSocket(`ws://${ADDRESS}:${server.port}${CHANNEL_PATH}`, CHANNEL_PROTOCOL);
  cleanups.push(() => ws.terminate());
  const queue: Array<Record<string, unknown>> = [];
  const waiters: Array<(m: Record<string, unknown>) => void> = [];
  ws.on('message', (d) => {
    const m = JSON.parse(String(d)) as Record<string, unknown>;
    const w = waiters.shift();
    if (w) w(m);
    else queue.push(m);
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return { ws, next: () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise((resolve) => waiters.push(resolve))) };
}

describe('interop channel (WebSocket)', () => {
  it('joins with a trusted token, pushes the join events, and leaves', async () => {
    const join = await client.join({ token: trusted, meetingId, displayName: 'Room 1' });
    expect(join).toMatchObject({ ok: true, state: 'joined' });
    if (!join.ok) return;
    const seen: JoinEvent[] = [];
    const events = client.events(join.joinId, trusted, (e) => seen.push(e));
    expect(server.service.getMeeting(meetingId).participants.some((p) => p.id === join.participantId)).toBe(true);
    expect(await client.leave(join.joinId, trusted)).toEqual({ ok: true });
    const end = await events;
    expect(end).toMatchObject({ ok: true, complete: true, last: { type: 'left', state: 'disconnected' } });
    expect(seen.at(-1)?.type).toBe('left');
    expect(server.dump().channels).toBe(1); // every request went over the one socket
  });

  it('delivers an admission that happens before the caller follows the join', async () => {
    const join = await client.join({ token: untrusted, meetingId, displayName: 'Guest' });
    expect(join).toMatchObject({ ok: true, state: 'lobby' });
    if (!join.ok) return;
    server.service.admit(meetingId, join.participantId);
    await new Promise((r) => setTimeout(r, 50)); // the event is on the channel before anyone listens
    const seen: string[] = [];
    const ac = new AbortController();
    const events = client.events(join.joinId, untrusted, (e) => {
      seen.push(e.type);
      if (e.type === 'admitted') ac.abort();
    }, ac.signal);
    expect(await events).toMatchObject({ ok: true, complete: false });
    expect(seen).toContain('admitted');
  });

  it('answers refusals with the REFUSALS status and code, as over HTTP', async () => {
    server.service.setHost(meetingId, { videoLock: true });
    expect(await client.join({ token: trusted, meetingId, displayName: 'Room' })).toMatchObject({ ok: false, status: REFUSALS.VIDEO_LOCKED.status, code: 'VIDEO_LOCKED' });
    expect(await client.join({ token: 'not-a-token', meetingId, displayName: 'Room' })).toMatchObject({ ok: false, status: REFUSALS.TOKEN_INVALID.status, code: 'TOKEN_INVALID' });
  });

  it('watches a join made over HTTP', async () => {
    const res = await fetch(`${server.url}/interop/v1/joins`, { method: 'POST', headers: { authorization: `Bearer ${trusted}`, 'content-type': 'application/json' }, body: JSON.stringify({ meetingId, displayName: 'Room' }) });
    const { joinId, participantId } = (await res.json()) as { joinId: string; participantId: string };
    const events = client.events(joinId, trusted, () => {});
    await new Promise((r) => setTimeout(r, 50));
    server.service.removeParticipant(meetingId, participantId);
    expect(await events).toMatchObject({ ok: true, complete: true, last: { type: 'removed' } });
    expect(await client.events('no-such-join', trusted, () => {})).toMatchObject({ ok: false, code: 'JOIN_NOT_FOUND' });
  });

  it('answers bad frames with 400 and the field path, and keeps serving', async () => {
    const { ws, next } = await raw();
    ws.send('{not json');
    expect(await next()).toMatchObject({ id: null, status: 400, body: { error: { code: 'INVALID_REQUEST' } } });
    ws.send(JSON.stringify({ id: 1, op: 'dance', token: trusted }));
    expect(await next()).toMatchObject({ id: 1, status: 400, body: { error: { path: 'op' } } });
    ws.send(JSON.stringify({ id: 2, op: 'join', token: trusted, body: { displayName: 'x' } }));
    expect(await next()).toMatchObject({ id: 2, status: 400, body: { error: { path: 'body.meetingId' } } });
    ws.send(JSON.stringify({ id: 3, op: 'leave', token: trusted }));
    expect(await next()).toMatchObject({ id: 3, status: 400, body: { error: { path: 'joinId' } } });
    ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await next()).toMatchObject({ id: null, status: 400 });
    ws.send(JSON.stringify({ id: 4, op: 'join', token: trusted, body: { meetingId, displayName: 'ok' } }));
    expect(await next()).toMatchObject({ id: 4, status: 200, body: { state: 'joined' } });
  });

  it('refuses upgrades elsewhere or without the subprotocol', async () => {
    const wrongPath = new WebSocket(`ws://${ADDRESS}:${server.port}/interop/v1/other`, CHANNEL_PROTOCOL);
    const noProtocol = new WebSocket(`ws://${ADDRESS}:${server.port}${CHANNEL_PATH}`);
    const status = (ws: WebSocket) => new Promise<number>((resolve) => ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)).once('error', () => {}));
    expect(await status(wrongPath)).toBe(404);
    expect(await status(noProtocol)).toBe(400);
  });

  it('fails requests and open event streams with MEET_UNAVAILABLE when the service goes away', async () => {
    const join = await client.join({ token: trusted, meetingId, displayName: 'Room' });
    if (!join.ok) throw new Error('join failed');
    const events = client.events(join.joinId, trusted, () => {});
    await server.close();
    const end = await events;
    // The service closing first sends the terminal SERVICE_CLOSED event, or the socket drop ends the stream.
    expect(end.ok ? end.last?.reason : end.code).toMatch(/SERVICE_CLOSED|MEET_UNAVAILABLE/);
    expect(await client.join({ token: trusted, meetingId, displayName: 'Room' })).toMatchObject({ ok: false, code: 'MEET_UNAVAILABLE' });
  });

  it('times out a service that accepts the channel but never answers (MEET_TIMEOUT)', async () => {
    const http: Server = createServer();
    const wss = new WebSocketServer({ server: http, handleProtocols: () => CHANNEL_PROTOCOL });
    cleanups.push(async () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
    });
    await new Promise<void>((resolve) => http.listen(0, ADDRESS, resolve));
    const silent = new MeetChannelClient({ baseUrl: `http://${ADDRESS}:${(http.address() as AddressInfo).port}`, timeoutMs: 200 });
    cleanups.push(() => silent.close());
    expect(await silent.join({ token: trusted, meetingId, displayName: 'Room' })).toMatchObject({ ok: false, status: 504, code: 'MEET_TIMEOUT' });
    const dead = new MeetChannelClient({ baseUrl: `http://${ADDRESS}:1`, timeoutMs: 500 });
    expect(await dead.join({ token: trusted, meetingId, displayName: 'Room' })).toMatchObject({ ok: false, status: 503, code: 'MEET_UNAVAILABLE' });
  });
});
