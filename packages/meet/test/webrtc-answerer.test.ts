import { afterEach, describe, expect, it } from 'vitest';
import { createOffer, readSyntheticPayload, serializeSdp, WebRtcPeer, type WebRtcTrack } from '@gwsim/media';
import { MeetAdminClient, MeetClient, MeetServer, mediaAddressFor, type JoinResult, type MeetingSnapshot } from '../src/index.ts';
import { ADMIN_KEY } from './support/http.ts';

const MEET = '127.0.24.20';
const GATEWAY = '127.0.24.21';

let server: MeetServer | undefined;
const peers: WebRtcPeer[] = [];

afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await server?.close();
  server = undefined;
});

const udpSockets = () => process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap').length;

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function start(media?: Parameters<typeof MeetServer.start>[0]['media']) {
  server = await MeetServer.start({ address: MEET, port: 0, adminKey: ADMIN_KEY, ...(media !== undefined && { media }) });
  const admin = new MeetAdminClient({ baseUrl: server.url, adminKey: ADMIN_KEY });
  await admin.createTenant({ domain: 'example.com', users: [{ email: 'alice@example.com' }] });
  const trusted = (await admin.createToken('example.com', { name: 'example.com (trusted)', trusted: true })).secret;
  const untrusted = (await admin.createToken('example.com', { name: 'example.com (untrusted)', trusted: false })).secret;
  const client = new MeetClient({ baseUrl: server.url, timeoutMs: 5000 });
  const meeting = (spec: Partial<Parameters<MeetAdminClient['createMeeting']>[0]> = {}): Promise<MeetingSnapshot> =>
    admin.createMeeting({ organizer: 'alice@example.com', ...spec });
  return { server, admin, client, trusted, untrusted, meeting };
}

/** A test "gateway": a werift offerer on its own loopback address. */
async function gateway(): Promise<{ peer: WebRtcPeer; offer: string }> {
  const peer = await WebRtcPeer.create({ address: GATEWAY, name: 'gateway' });
  peers.push(peer);
  return { peer, offer: await peer.createOffer() };
}

function joined(result: JoinResult) {
  if (!result.ok) throw new Error(`join refused: ${result.code} ${result.message}`);
  return result;
}

/** Send `count` packets on every track, with payloads that say which; returns what was sent per kind. */
async function sendRound(peer: WebRtcPeer, count: number, tag: string): Promise<Record<string, string[]>> {
  const sent: Record<string, string[]> = { audio: [], video: [] };
  for (let i = 0; i < count; i++) {
    for (const track of peer.tracks) {
      const payload = `${tag}:${track.kind}:${i}`;
      expect(track.send(Buffer.from(payload), { timestampStep: track.kind === 'audio' ? 960 : 3000 })).toBe(true);
      sent[track.kind]!.push(payload);
    }
    await new Promise((r) => setTimeout(r, 4));
  }
  return sent;
}

function record(tracks: readonly WebRtcTrack[]): Record<string, string[]> {
  const got: Record<string, string[]> = { audio: [], video: [] };
  for (const track of tracks) track.onRtp((packet) => got[track.kind]!.push(packet.payload.toString()));
  return got;
}

describe('Meet WebRTC answerer', () => {
  it('answers a WebRTC join, reaches connected and echoes RTP back on every track', async () => {
    const sockets = udpSockets();
    const { client, trusted, meeting } = await start();
    const m = await meeting();
    const gw = await gateway();
    const result = joined(await client.join({ token: trusted, meetingId: m.meetingId, displayName: 'Room 1', sdpOffer: gw.offer }));
    expect(result.state).toBe('joined');
    expect(result.sdpAnswer).toMatch(/^v=0\r\n/);
    for (const line of result.sdpAnswer!.split('\r\n').filter((l) => l.startsWith('a=candidate:'))) expect(line.split(' ')[4]).toBe(MEET);

    await gw.peer.acceptAnswer(result.sdpAnswer!);
    const meetPeer = server!.answerer!.peer(result.joinId)!;
    await Promise.all([gw.peer.waitConnected(5000), meetPeer.waitConnected(5000)]);
    expect(meetPeer.state).toBe('connected');

    const echoed = record(gw.peer.tracks);
    const sent = await sendRound(gw.peer, 25, 'echo');
    await until(() => echoed.audio!.length === 25 && echoed.video!.length === 25);
    expect(echoed).toEqual(sent);
    const media = server!.dump().media!;
    expect(media.peers).toHaveLength(1);
    expect(media.peers[0]).toMatchObject({ joinId: result.joinId, media: 'flowing', peer: { state: 'connected', role: 'answerer', address: MEET } });
    expect(media.peers[0]!.peer.tracks.map((t) => [t.kind, t.packetsIn, t.packetsOut])).toEqual([
      ['audio', 25, 25],
      ['video', 25, 25],
    ]);

    expect(await client.leave(result.joinId, trusted)).toEqual({ ok: true });
    await until(() => meetPeer.closed && server!.answerer!.size === 0);
    await gw.peer.close();
    await server!.close();
    await until(() => udpSockets() === sockets, 1000);
  });

  it('answers a lobby join at once and holds media until the caller is admitted', async () => {
    const { admin, client, untrusted, meeting } = await start();
    const m = await meeting();
    const gw = await gateway();
    const result = joined(await client.join({ token: untrusted, meetingId: m.meetingId, displayName: 'Knocker', sdpOffer: gw.offer }));
    expect(result.state).toBe('lobby');
    expect(result.sdpAnswer).toBeDefined();
    await gw.peer.acceptAnswer(result.sdpAnswer!);
    await gw.peer.waitConnected(5000);
    const echoed = record(gw.peer.tracks);
    await sendRound(gw.peer, 10, 'lobby');
    const meetPeer = server!.answerer!.peer(result.joinId)!;
    await until(() => meetPeer.tracks.every((t) => t.stats.packetsIn === 10));
    await new Promise((r) => setTimeout(r, 50));
    expect(echoed).toEqual({ audio: [], video: [] });
    expect(server!.dump().media!.peers[0]!.media).toBe('held');

    await admin.admit(m.meetingId, result.participantId);
    const sent = await sendRound(gw.peer, 10, 'in');
    await until(() => echoed.audio!.length === 10 && echoed.video!.length === 10);
    expect(echoed).toEqual(sent);
    expect(server!.dump().media!.peers[0]!.media).toBe('flowing');
  });

  it('sends recognisable synthetic media at a fixed rate in synthetic mode', async () => {
    const { client, trusted, meeting } = await start({ mode: 'synthetic', syntheticIntervalMs: 10 });
    const m = await meeting();
    const gw = await gateway();
    const result = joined(await client.join({ token: trusted, meetingId: m.meetingId, displayName: 'Room', sdpOffer: gw.offer }));
    const got: { kind: string; counter: number }[] = [];
    for (const track of gw.peer.tracks) track.onRtp((packet) => got.push(readSyntheticPayload(packet.payload)!));
    await gw.peer.acceptAnswer(result.sdpAnswer!);
    await until(() => got.filter((g) => g?.kind === 'audio').length >= 5 && got.filter((g) => g?.kind === 'video').length >= 5);
    expect(got.every((g) => g !== null)).toBe(true);
    const counters = got.filter((g) => g.kind === 'video').map((g) => g.counter);
    expect(counters).toEqual([...counters].sort((a, b) => a - b));
    expect(server!.answerer!.mode).toBe('synthetic');
  });

  it('closes the peer when the join ends: left, removed, video lock, meeting ended, knock denied, server closed', async () => {
    const { admin, client, trusted, untrusted, meeting } = await start();
    const answerer = server!.answerer!;
    const open = async (token: string, meetingId: string) => {
      const result = joined(await client.join({ token, meetingId, displayName: 'Room', sdpOffer: (await gateway()).offer }));
      const peer = answerer.peer(result.joinId)!;
      expect(peer.closed).toBe(false);
      return { result, peer };
    };
    const m = await meeting();
    const left = await open(trusted, m.meetingId);
    await client.leave(left.result.joinId, trusted);
    const removed = await open(trusted, m.meetingId);
    await admin.removeParticipant(m.meetingId, removed.result.participantId);
    const denied = await open(untrusted, m.meetingId);
    await admin.deny(m.meetingId, denied.result.participantId);
    const locked = await open(trusted, m.meetingId);
    await admin.setHost(m.meetingId, { videoLock: true });
    const other = await meeting();
    const ended = await open(untrusted, other.meetingId);
    await admin.endMeeting(other.meetingId);
    for (const leg of [left, removed, denied, locked, ended]) await until(() => leg.peer.closed);
    expect(answerer.size).toBe(0);

    const third = await meeting();
    const last = await open(trusted, third.meetingId);
    await server!.close();
    expect(last.peer.closed).toBe(true);
    expect(answerer.closed).toBe(true);
  });

  it('creates no peer for a refused join, and refuses offers that are not loopback WebRTC with 400 on sdpOffer', async () => {
    const { client, trusted, meeting, admin } = await start();
    const locked = await meeting({ videoLock: true });
    const { offer } = await gateway();
    expect(await client.join({ token: trusted, meetingId: locked.meetingId, displayName: 'R', sdpOffer: offer })).toMatchObject({ ok: false, status: 403, code: 'VIDEO_LOCKED' });
    expect(await client.join({ token: 'not-a-token-at-all', meetingId: locked.meetingId, displayName: 'R', sdpOffer: offer })).toMatchObject({ status: 401 });
    const m = await meeting();
    const bad: [string, RegExp][] = [
      [serializeSdp(createOffer({ address: GATEWAY, audioPort: 40000, videoPort: 40002 })), /UDP\/TLS\/RTP\/SAVPF/],
      [offer.replaceAll(GATEWAY, '192.0.2.2'), /loopback/],
      [offer.replace(/a=fingerprint:[^\r]*\r\n/g, ''), /fingerprint/],
      ['not sdp', /not valid SDP/],
    ];
    for (const [sdpOffer, problem] of bad) {
      const res = await client.join({ token: trusted, meetingId: m.meetingId, displayName: 'R', sdpOffer });
      expect(res).toMatchObject({ ok: false, status: 400, code: 'INVALID_REQUEST' });
      expect(!res.ok && res.message).toMatch(problem);
      expect(!res.ok && res.message).toMatch(/^sdpOffer: /);
    }
    expect(server!.answerer!.size).toBe(0);
    expect((await admin.getMeeting(m.meetingId)).participants.map((p) => p.kind)).toEqual(['user']);
    expect((await admin.getMeeting(locked.meetingId)).participants.map((p) => p.kind)).toEqual(['user']);
  });

  it('joins without an offer create no peer; media: false ignores offers', async () => {
    const { client, trusted, meeting } = await start(false);
    expect(server!.answerer).toBeUndefined();
    const m = await meeting();
    const result = joined(await client.join({ token: trusted, meetingId: m.meetingId, displayName: 'R', sdpOffer: (await gateway()).offer }));
    expect(result.sdpAnswer).toBeUndefined();
    expect(server!.dump().media).toBeNull();
  });

  it('never puts WebRTC legs off loopback', async () => {
    await expect(MeetServer.start({ address: MEET, port: 0, adminKey: ADMIN_KEY, media: { address: '192.0.2.2' } })).rejects.toThrow(/media\.address/);
    expect(mediaAddressFor(MEET, {})).toBe(MEET);
    expect(mediaAddressFor('::1', {})).toBe('::1');
    // A server on a container's address runs without the answerer unless told where media goes.
    expect(mediaAddressFor('172.17.0.2', {})).toBeUndefined();
    expect(mediaAddressFor('172.17.0.2', { address: MEET })).toBe(MEET);
    expect(() => mediaAddressFor(MEET, { address: 'meet.example.com' })).toThrow(/media\.address: must be a loopback IP address/);
  });
});
