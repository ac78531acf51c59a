/**
 * End to end through real sockets: a DNS fault on px01 (the preferred SRV target) and a VTC whose call must
 * still reach px02 by walking the RFC 3263 target list. Both nodes are live SIP UASs, so only the fault can
 * keep the call away from px01.
 */
import { DnsServer, sipZone } from '@gwsim/dns';
import { UdpTransport, UserAgent } from '@gwsim/sip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Vtc } from '../src/index.ts';

const timers = { T1: 30, T2: 300, T4: 300 };
const DNS = '127.0.23.53';
const PX01 = '127.0.23.11';
const PX02 = '127.0.23.12';
const DEAD = '127.0.23.13'; // nothing listens here

describe('DNS fault on px01 → the endpoint\'s call reaches px02', () => {
  const open: Array<{ close(): Promise<void> }> = [];
  const invites: Record<string, number> = { [PX01]: 0, [PX02]: 0 };
  let dns: DnsServer;

  const node = async (address: string) => {
    const ua = new UserAgent({
      transport: await UdpTransport.create({ address, port: 0 }),
      timers,
      onInvite: (inv) => {
        invites[address]!++;
        void inv.accept({ body: inv.request.body.toString().replace(/127\.0\.23\.1\d\d/g, address) }).catch(() => {});
      },
    });
    open.push(ua);
    return ua;
  };
  const vtc = async (address: string) => {
    const v = await Vtc.start({ name: 'room', address, dns: [{ address: DNS, port: dns.port }], dnsTimeoutMs: 150, timers });
    open.push(v);
    return v;
  };

  beforeAll(async () => {
    const [px01, px02] = [await node(PX01), await node(PX02)];
    // px01 is preferred (priority 10), px02 the backup (priority 20): without a fault every call goes to px01.
    const zone = sipZone({
      domain: 'vc.example.com',
      nodes: [
        { name: 'px01', address: PX01, sipPort: px01.transport.local.port, priority: 10 },
        { name: 'px02', address: PX02, sipPort: px02.transport.local.port, priority: 20 },
      ],
    });
    dns = await DnsServer.start({ address: DNS, port: 0, zone });
    open.push(dns);
  });
  afterAll(async () => {
    while (open.length) await open.pop()!.close();
  });

  it('without a fault the call goes to px01', async () => {
    const before = { ...invites };
    const r = await (await vtc('127.0.23.100')).dial('sip:1234567890123@vc.example.com');
    expect(r.attempts.map((a) => [a.target.host, a.status])).toEqual([['px01.vc.example.com', 200]]);
    expect(invites[PX01]).toBe(before[PX01]! + 1);
    await r.call!.hangup();
  });

  it('timeout on px01.vc.example.com: its address lookups go unanswered, the resolver drops it, the call reaches px02', async () => {
    dns.faults.set({ name: 'px01.vc.example.com', kind: 'timeout' });
    try {
      const before = { ...invites };
      const dropped = dns.dump().queries.faultDropped;
      const r = await (await vtc('127.0.23.101')).dial('sip:1234567890123@vc.example.com');
      expect(r.status).toBe(200);
      expect(r.attempts.map((a) => [a.target.host, a.target.address, a.status])).toEqual([['px02.vc.example.com', PX02, 200]]);
      expect(r.call?.remoteMedia?.address).toBe(PX02);
      expect(invites).toEqual({ [PX01]: before[PX01], [PX02]: before[PX02]! + 1 });
      // A and AAAA for px01, each tried twice (1 + retries): the SRV answer carried no glue for px01.
      expect(dns.dump().queries.faultDropped - dropped).toBe(4);
      expect((await r.call!.hangup())?.status).toBe(200);
    } finally {
      dns.faults.clear();
    }
  });

  it('wrong-target on px01\'s address: the INVITE to the dead address times out (408) and the call walks on to px02', async () => {
    dns.faults.set({ name: 'px01.vc.example.com', type: 'A', kind: 'wrong-target', address: DEAD });
    try {
      const r = await (await vtc('127.0.23.102')).dial('sip:1234567890123@vc.example.com');
      expect(r.attempts.map((a) => [a.target.host, a.target.address, a.status, a.local])).toEqual([
        ['px01.vc.example.com', DEAD, 408, true],
        ['px02.vc.example.com', PX02, 200, false],
      ]);
      expect(r.status).toBe(200);
      expect((await r.call!.hangup())?.status).toBe(200);
    } finally {
      dns.faults.clear();
    }
  });
});
