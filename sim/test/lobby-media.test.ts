import { silentLogger } from '@gwsim/common';
import { defaultRules, validateRoutingConfig } from '@gwsim/dialplan';
import { DnsServer, sipZone } from '@gwsim/dns';
import { Vtc } from '@gwsim/endpoint';
import { MeetServer } from '@gwsim/meet';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConferencingNode, outcomeFromReason } from '@gwsim/node';

/**
 * The lobby as the caller experiences it (presentation `answer`, the default): 200 OK at once, the waiting
 * splash as media, then meeting media on admission — or a BYE whose Reason says why not.
 */
const timers = { T1: 50, T2: 400, T4: 500 };
let meet: MeetServer;
let node: ConferencingNode;
let dns: DnsServer;
let vtc: Vtc;

beforeEach(async () => {
  meet = await MeetServer.start({ address: '127.0.25.20', port: 0, adminKey: 'lobby-admin-key' });
  meet.service.createTenant({ domain: 'example.com', users: [{ email: 'host@example.com' }] });
  const t = meet.service.createToken('example.com', { name: 't', trusted: true }).secret;
  const u = meet.service.createToken('example.com', { name: 'u', trusted: false }).secret;
  const routing = validateRoutingConfig({ gms_access_tokens: [{ name: 't', token: t }, { name: 'u', token: u }], rules: defaultRules({ trustedToken: 't', untrustedToken: 'u' }) });
  node = await ConferencingNode.start({ name: 'px01', address: '127.0.25.11', routing, meetUrl: meet.url, timers, logger: silentLogger });
  dns = await DnsServer.start({ address: '127.0.25.53', port: 0, zone: sipZone({ domain: 'vc.example.com', nodes: [{ name: 'px01', address: '127.0.25.11', sipPort: node.sipAddress.port }] }) });
  vtc = await Vtc.start({ name: 'guest', address: '127.0.25.100', dns: [{ address: '127.0.25.53', port: dns.port }], timers });
});
afterEach(async () => {
  await node.close();
  await vtc.close();
  await dns.close();
  await meet.close();
});

describe('lobby presentation "answer"', () => {
  it('untrusted caller: answered at once with the waiting splash; host admits → meeting media', async () => {
    meet.service.createMeeting({ organizer: 'host@example.com', meetingId: '4000000000001', onKnock: { kind: 'ignore' } });
    const r = await vtc.dial('sip:4000000000001@vc.example.com');
    expect(r.status).toBe(200);
    expect(await r.call!.waitForMedia('lobby', 2000)).toBe(true);
    expect(node.calls()[0]).toMatchObject({ state: 'lobby', outcome: null, token: 'u' });
    const lobby = meet.service.getMeeting('4000000000001').lobby;
    expect(lobby).toHaveLength(1);
    await new Promise((res) => setTimeout(res, 300));
    expect(r.call!.mediaState).toBe('lobby'); // still waiting: nobody has admitted
    meet.service.admit('4000000000001', lobby[0]!.id); // the host admits
    expect(await r.call!.waitForMedia('meeting', 3000)).toBe(true);
    const [waiting, meeting] = r.call!.mediaStates;
    expect(waiting!.state).toBe('lobby');
    expect(meeting!.state).toBe('meeting');
    expect(meeting!.at - waiting!.at).toBeGreaterThanOrEqual(250);
    expect(node.calls()[0]).toMatchObject({ state: 'connected', outcome: 'CONNECTED' });
    expect(meet.service.getMeeting('4000000000001').participants.filter((p) => p.kind === 'gateway' && p.state === 'joined')).toHaveLength(1);
    await r.call!.hangup();
  });

  it('host denies → BYE with Reason cause=603, and the participant is gone at Meet', async () => {
    meet.service.createMeeting({ organizer: 'host@example.com', meetingId: '4000000000002', onKnock: { kind: 'deny', afterMs: 200 } });
    const r = await vtc.dial('sip:4000000000002@vc.example.com');
    expect(r.status).toBe(200);
    const end = await r.call!.ended;
    expect(end.by).toBe('remote');
    expect(end.reason).toBe('SIP;cause=603;text="Request to join was denied"');
    expect(outcomeFromReason(end.reason)).toBe('KNOCK_DENIED');
    expect(r.call!.mediaStates.map((m) => m.state)).toEqual(['lobby']);
    expect(node.calls()[0]).toMatchObject({ state: 'ended', outcome: 'KNOCK_DENIED', endedBy: 'meet' });
  });

  it('video lock switched on while a caller waits in the lobby → BYE with Reason cause=403', async () => {
    meet.service.createMeeting({ organizer: 'host@example.com', meetingId: '4000000000003', onKnock: { kind: 'ignore' } });
    const r = await vtc.dial('sip:4000000000003@vc.example.com');
    expect(await r.call!.waitForMedia('lobby', 2000)).toBe(true);
    meet.service.setHost('4000000000003', { videoLock: true });
    const end = await r.call!.ended;
    expect(outcomeFromReason(end.reason)).toBe('VIDEO_LOCKED');
  });
});
