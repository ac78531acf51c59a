import { silentLogger } from '@gwsim/common';
import { defaultRules, validateRoutingConfig } from '@gwsim/dialplan';
import { DnsServer, sipZone } from '@gwsim/dns';
import { Vtc, type DtmfMethod } from '@gwsim/endpoint';
import { MeetServer } from '@gwsim/meet';
import { ConferencingNode, outcomeFromReason } from '@gwsim/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Virtual Reception (DOMAIN.md §3): the caller dials the IVR alias and keys the meeting ID by DTMF. */
const timers = { T1: 50, T2: 400, T4: 500 };
let meet: MeetServer;
let node: ConferencingNode;
let dns: DnsServer;
let vtc: Vtc;

beforeAll(async () => {
  meet = await MeetServer.start({ address: '127.0.26.20', port: 0, adminKey: 'vr-admin-key-1' });
  meet.service.createTenant({ domain: 'example.com', users: [{ email: 'host@example.com' }] });
  meet.service.createMeeting({ organizer: 'host@example.com', meetingId: '5000000000001', onKnock: { kind: 'admit', afterMs: 0 } });
  const t = meet.service.createToken('example.com', { name: 't', trusted: true }).secret;
  const u = meet.service.createToken('example.com', { name: 'u', trusted: false }).secret;
  const routing = validateRoutingConfig({
    gms_access_tokens: [{ name: 't', token: t }, { name: 'u', token: u }],
    rules: defaultRules({ trustedToken: 't', untrustedToken: 'u' }),
    virtual_receptions: [{ name: 'Meet lobby', alias: 'meet@vc.example.com', match_string: '\\d{13}' }],
  });
  node = await ConferencingNode.start({ name: 'px01', address: '127.0.26.11', routing, meetUrl: meet.url, timers, logger: silentLogger, receptionDigitTimeoutMs: 3000 });
  dns = await DnsServer.start({ address: '127.0.26.53', port: 0, zone: sipZone({ domain: 'vc.example.com', nodes: [{ name: 'px01', address: '127.0.26.11', sipPort: node.sipAddress.port }] }) });
  vtc = await Vtc.start({ name: 'room', address: '127.0.26.100', dns: [{ address: '127.0.26.53', port: dns.port }], timers });
});
afterAll(async () => {
  await node?.close();
  await vtc?.close();
  await dns?.close();
  await meet?.close();
});

describe('Virtual Reception', () => {
  it.each<DtmfMethod>(['rfc4733', 'info'])('digits keyed by %s reach the meeting', async (method) => {
    const r = await vtc.dial('sip:meet@vc.example.com');
    expect(r.status).toBe(200);
    expect(await r.call!.waitForMedia('reception', 2000)).toBe(true);
    await r.call!.sendDtmf('5000000000001#', method);
    expect(await r.call!.waitForMedia('meeting', 3000)).toBe(true);
    const call = node.calls().find((c) => c.sipCallId === r.call!.dialog.callId)!;
    expect(call).toMatchObject({ entered: '5000000000001', meetingId: '5000000000001', outcome: 'CONNECTED', token: 'u' });
    expect(call.rule).toBe('Virtual Reception Meet lobby → Google Meet (everyone, untrusted)');
    await r.call!.hangup();
  });

  it('an entry that is not a meeting ID, three times, ends the call with BYE Reason 404', async () => {
    const r = await vtc.dial('sip:meet@vc.example.com');
    expect(await r.call!.waitForMedia('reception', 2000)).toBe(true);
    await r.call!.sendDtmf('12#34#56#', 'info');
    const end = await r.call!.ended;
    expect(outcomeFromReason(end.reason)).toBe('NO_MATCH');
  });

  it('an entered ID for an unknown meeting: BYE with Reason "Meeting not found"', async () => {
    const r = await vtc.dial('sip:meet@vc.example.com');
    expect(await r.call!.waitForMedia('reception', 2000)).toBe(true);
    await r.call!.sendDtmf('5999999999999#', 'rfc4733');
    const end = await r.call!.ended;
    expect(outcomeFromReason(end.reason)).toBe('MEETING_NOT_FOUND');
  });
});
