import { silentLogger } from '@gwsim/common';
import { defaultRules, validateRoutingConfig } from '@gwsim/dialplan';
import { createOffer, serializeSdp } from '@gwsim/media';
import { MeetServer } from '@gwsim/meet';
import { UdpTransport, UserAgent, type Dialog } from '@gwsim/sip';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConferencingNode, type ConferencingNodeOptions } from '../src/index.ts';

const timers = { T1: 50, T2: 400, T4: 500 };
let meet: MeetServer;
let node: ConferencingNode;
let caller: UserAgent;
const OFFER = serializeSdp(createOffer({ address: '127.0.16.100', audioPort: 40000 }));

async function startNode(meetUrl: string, extra: Partial<ConferencingNodeOptions> = {}): Promise<ConferencingNode> {
  const trusted = meet.service.createToken('example.com', { name: 'trusted', trusted: true }).secret;
  const untrusted = meet.service.createToken('example.com', { name: 'untrusted', trusted: false }).secret;
  const routing = validateRoutingConfig({
    gms_access_tokens: [{ name: 'trusted', token: trusted }, { name: 'untrusted', token: untrusted }],
    rules: defaultRules({ trustedToken: 'trusted', untrustedToken: 'untrusted' }),
  });
  return ConferencingNode.start({ name: 'px01', address: '127.0.16.11', routing, meetUrl, timers, logger: silentLogger, ...extra });
}

beforeEach(async () => {
  meet = await MeetServer.start({ address: '127.0.16.20', port: 0, adminKey: 'test-admin-key-1' });
  meet.service.createTenant({ domain: 'example.com', users: [{ email: 'host@example.com' }] });
  node = await startNode(meet.url);
  caller = new UserAgent({ transport: await UdpTransport.create({ address: '127.0.16.100' }), timers });
});
afterEach(async () => {
  await node.close();
  await caller.close();
  await meet.close();
});

function dial(meetingId: string) {
  return caller.invite({ destination: node.sipAddress, uri: `sip:${meetingId}@vc.example.com`, from: 'sip:guest@example.com', fromDisplayName: 'Guest', body: OFFER });
}

describe('ConferencingNode with the real Meet mock over HTTP', () => {
  it('lobby presentation "ringing": untrusted caller held in 180 while knocking, answered 200 when the host admits', async () => {
    await node.close();
    node = await startNode(meet.url, { lobby: 'ringing' });
    const m = meet.service.createMeeting({ organizer: 'host@example.com', meetingId: '2000000000001', onKnock: { kind: 'admit', afterMs: 300 } });
    const out = dial(m.meetingId);
    const provisional: number[] = [];
    out.on('provisional', (r) => provisional.push(r.status));
    const r = await out.result;
    expect(provisional).toContain(180);
    expect(r.status).toBe(200);
    expect(r.setupMs).toBeGreaterThanOrEqual(250);
    expect(meet.service.getMeeting(m.meetingId).participants.filter((p) => p.kind === 'gateway' && p.state === 'joined')).toHaveLength(1);
    expect(node.calls()[0]).toMatchObject({ state: 'connected', token: 'untrusted', rule: 'Google Meet (everyone, untrusted)' });
    await r.dialog!.bye();
  });

  it('the host turning the video lock on mid-call removes the VTC: the node sends BYE with Reason cause=403', async () => {
    const m = meet.service.createMeeting({ organizer: 'host@example.com', meetingId: '2000000000002', onKnock: { kind: 'admit', afterMs: 0 } });
    const r = await dial(m.meetingId).result;
    expect(r.status).toBe(200);
    const ended = new Promise<string | undefined>((resolve) => (r.dialog as Dialog).on('terminated', (e) => resolve(e.request?.headers.get('Reason'))));
    // 200 answers the lobby wait; the lock must come once the host's admission has put the call in the meeting.
    for (let i = 0; i < 100 && node.calls()[0]?.state !== 'connected'; i++) await new Promise((res) => setTimeout(res, 10));
    expect(node.calls()[0]?.state).toBe('connected');
    meet.service.setHost(m.meetingId, { videoLock: true });
    expect(await ended).toBe('SIP;cause=403;text="Host has turned off video for participants"');
    expect(node.calls()[0]).toMatchObject({ state: 'ended', outcome: 'CONNECTED', endedBy: 'meet', endCause: 'VIDEO_LOCKED' });
  });

  it('CANCEL while knocking: 487 to the caller and the knock is withdrawn at Meet', async () => {
    await node.close();
    node = await startNode(meet.url, { lobby: 'ringing' });
    const m = meet.service.createMeeting({ organizer: 'host@example.com', meetingId: '2000000000003', onKnock: { kind: 'ignore' } });
    const out = dial(m.meetingId);
    out.on('provisional', (res) => res.status === 180 && out.cancel());
    const r = await out.result;
    expect(r.status).toBe(487);
    await new Promise((res) => setTimeout(res, 100));
    expect(meet.service.getMeeting(m.meetingId).lobby).toHaveLength(0);
    expect(node.calls()[0]).toMatchObject({ state: 'ended', outcome: 'CANCELLED', endedBy: 'caller' });
  });

  it('Meet unreachable → 503 "Google Meet service unavailable" with a Reason header', async () => {
    await node.close();
    node = await startNode('http://127.0.16.21:9'); // nothing listens there
    const r = await dial('2000000000004').result;
    expect(r.status).toBe(503);
    expect(r.reason).toBe('Google Meet service unavailable');
    expect(r.response.headers.get('Reason')).toBe('SIP;cause=503;text="Google Meet service unavailable"');
  });
});
