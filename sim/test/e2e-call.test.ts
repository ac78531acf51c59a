import dgram from 'node:dgram';
import net from 'node:net';
import { silentLogger } from '@gwsim/common';
import { MeetAdminClient } from '@gwsim/meet';
import { parseSdp } from '@gwsim/media';
import type { Vtc } from '@gwsim/endpoint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScenario, Topology } from '../src/index.ts';
import { relocatedDefault } from './support/scenario.ts';

/**
 * The walking skeleton end to end on real sockets: DNS SRV → A over UDP, SIP INVITE/ACK/BYE over UDP, the
 * node's HTTP join to the Meet mock, and the participant list seen through the Meet admin API.
 */
describe('one real call: dial string → DNS → node → Meet and back', () => {
  let topo: Topology;
  let admin: MeetAdminClient;
  const loaded = parseScenario(relocatedDefault('127.0.7'), 'relocated-default.yaml');
  /** The scenario's endpoints are Vtc personas (this test looks at their SIP stack). */
  const vtc = (name: string) => topo.endpoints.get(name) as Vtc;

  beforeAll(async () => {
    topo = await Topology.start(loaded, silentLogger);
    admin = new MeetAdminClient({ baseUrl: topo.meet.url, adminKey: topo.adminKey });
    const reg = await vtc('boardroom').register('vc.example.com');
    expect(reg.status).toBe(200);
  });
  afterAll(async () => {
    await topo?.close();
  });

  it('trusted token + open meeting: 200 with SDP, ACK, media, BYE → 200; Meet shows the participant joined then gone', async () => {
    const meetingId = '1000000000001';
    const gateways = async () => (await admin.getMeeting(meetingId)).participants.filter((p) => p.kind === 'gateway' && p.state === 'joined');
    expect(await gateways()).toHaveLength(0);

    const r = await vtc('boardroom').dial(`sip:${meetingId}@vc.example.com`);
    expect(r.status).toBe(200);
    expect(r.call).not.toBeNull();
    // The answer is a real SDP answer pointing at the node's own address and RTP port.
    const answer = parseSdp(r.call!.answer);
    const audio = answer.media.find((m) => m.type === 'audio')!;
    expect(audio.port).toBeGreaterThan(0);
    expect(audio.formats[0]).toBe('0'); // PCMU, the first codec of our offer that the node supports
    expect(r.call!.remoteMedia?.address).toMatch(/^127\.0\.7\.1[12]$/);
    const dnsAfter = topo.dns.dump().queries.byType;
    expect(dnsAfter.SRV).toBeGreaterThanOrEqual(1); // (the resolver caches: REGISTER and INVITE share one lookup)
    expect(r.attempts[0]!.target.source).toBe('srv');

    const joined = await gateways();
    expect(joined).toHaveLength(1);
    expect(joined[0]).toMatchObject({ displayName: 'Boardroom', trusted: true });

    r.call!.startMedia();
    await new Promise((res) => setTimeout(res, 300));
    const node = topo.nodes.find((n) => n.sipAddress.address === r.attempts[0]!.target.address)!;
    const live = node.calls().find((c) => c.sipCallId === r.call!.callId)!;
    expect(live).toMatchObject({ state: 'connected', outcome: 'CONNECTED', token: 'example.com (trusted)', meetingId });
    expect(live.rtp!.packetsIn).toBeGreaterThan(5);

    const bye = await r.call!.hangup();
    expect(bye?.status).toBe(200);
    await new Promise((res) => setTimeout(res, 100));
    expect(await gateways()).toHaveLength(0);
    const left = (await admin.getMeeting(meetingId)).participants.filter((p) => p.kind === 'gateway');
    expect(left.every((p) => p.state !== 'joined')).toBe(true);
    expect(node.calls().find((c) => c.sipCallId === r.call!.callId)).toMatchObject({ state: 'ended', endedBy: 'caller' });
  });

  it('unknown meeting → 404 with a Reason header', async () => {
    const r = await vtc('boardroom').dial('sip:9999999999999@vc.example.com');
    expect(r.status).toBe(404);
    expect(r.reason).toBe('Meeting not found');
    expect(r.reasonHeader).toMatch(/^SIP;cause=404;text=/);
    expect(r.call).toBeNull();
  });

  it('unmatched alias → 404 "Neither conference nor gateway found"', async () => {
    const r = await vtc('boardroom').dial('sip:alice@vc.example.com');
    expect(r.status).toBe(404);
    expect(r.reason).toBe('Neither conference nor gateway found');
    expect(r.reasonHeader).toContain('cause=404');
    expect(r.warning).toContain('Neither conference nor gateway found');
  });

  it('DNS publishes px01 and px02 only: px03 and px04 (srv: false) answer by IP, each with its own refusal', async () => {
    const srv = topo.dns.zone.lookup('_sip._udp.vc.example.com', 'SRV');
    const targets = srv.status === 'answer' ? srv.records.map((r) => (r.type === 'SRV' ? r.target : r.type)) : [srv.status];
    expect(targets.sort()).toEqual(['px01.vc.example.com', 'px02.vc.example.com']);
    expect(topo.dns.zone.lookup('px03.vc.example.com', 'A').status).toBe('nxdomain');
    const full = await vtc('boardroom').dial('1000000000001@127.0.7.13');
    expect([full.status, full.reason]).toEqual([503, 'Conferencing Node out of capacity']);
    const meetDown = await vtc('boardroom').dial('1000000000001@127.0.7.14');
    expect([meetDown.status, meetDown.reason]).toEqual([503, 'Google Meet service unavailable']);
  });

  it('leaves nothing listening after close()', async () => {
    const bound = [
      { kind: 'udp', ...topo.dns.dump() },
      { kind: 'tcp', ...topo.dns.dump() },
      ...topo.nodes.map((n) => ({ kind: 'udp', ...n.sipAddress })),
      ...[...topo.endpoints.values()].map((e) => ({ kind: 'udp', ...(e as Vtc).ua.transport.local })),
      { kind: 'tcp', address: topo.meet.address, port: topo.meet.port },
    ];
    await topo.close();
    await topo.close(); // idempotent
    for (const b of bound) {
      if (b.kind === 'udp') {
        const s = dgram.createSocket('udp4');
        await new Promise<void>((resolve, reject) => {
          s.once('error', reject);
          s.bind(b.port, b.address, () => resolve());
        });
        await new Promise<void>((resolve) => s.close(() => resolve()));
      } else {
        const srv = net.createServer();
        await new Promise<void>((resolve, reject) => {
          srv.once('error', reject);
          srv.listen(b.port, b.address, () => resolve());
        });
        await new Promise<void>((resolve) => srv.close(() => resolve()));
      }
    }
    await new Promise((res) => setTimeout(res, 50)); // closed handles leave the list on the next loop turn
    const handles = process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap' || r === 'TCPServerWrap');
    expect(handles).toEqual([]);
  });
});
