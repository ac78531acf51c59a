import { DnsServer, sipZone } from '@gwsim/dns';
import { UdpTransport, UserAgent } from '@gwsim/sip';
import { afterEach, describe, expect, it } from 'vitest';
import { Vtc } from '../src/index.ts';

const timers = { T1: 30, T2: 300, T4: 300 };
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

describe('Vtc', () => {
  it('walks the RFC 3263 target list: px01 (priority 10) does not answer, the call reaches px02 (priority 20)', async () => {
    const live = new UserAgent({
      transport: await UdpTransport.create({ address: '127.0.17.12', port: 0 }),
      timers,
      onInvite: (inv) => void inv.accept({ body: inv.request.body.toString().replace(/127\.0\.17\.100/g, '127.0.17.12') }).catch(() => {}),
    });
    open.push(live);
    const zone = sipZone({
      domain: 'vc.example.com',
      nodes: [
        { name: 'px01', address: '127.0.17.11', sipPort: live.transport.local.port, priority: 10 }, // nothing listens on .11
        { name: 'px02', address: '127.0.17.12', sipPort: live.transport.local.port, priority: 20 },
      ],
    });
    const dns = await DnsServer.start({ address: '127.0.17.53', port: 0, zone });
    open.push(dns);
    const vtc = await Vtc.start({ name: 'room', address: '127.0.17.100', dns: [{ address: '127.0.17.53', port: dns.port }], timers });
    open.push(vtc);
    const r = await vtc.dial('sip:1234567890123@vc.example.com');
    expect(r.attempts.map((a) => [a.target.address, a.status, a.local])).toEqual([
      ['127.0.17.11', 408, true],
      ['127.0.17.12', 200, false],
    ]);
    expect(r.status).toBe(200);
    expect(r.call?.remoteMedia?.address).toBe('127.0.17.12');
    expect((await r.call!.hangup())?.status).toBe(200);
  });

  it('a final refusal is not retried on the next target', async () => {
    const refusing = new UserAgent({ transport: await UdpTransport.create({ address: '127.0.17.21', port: 0 }), timers, onInvite: (inv) => inv.reject(404, 'Meeting not found') });
    open.push(refusing);
    const zone = sipZone({ domain: 'vc.example.com', nodes: [{ name: 'a', address: '127.0.17.21', sipPort: refusing.transport.local.port, priority: 10 }, { name: 'b', address: '127.0.17.22', sipPort: 5060, priority: 20 }] });
    const dns = await DnsServer.start({ address: '127.0.17.54', port: 0, zone });
    open.push(dns);
    const vtc = await Vtc.start({ name: 'room2', address: '127.0.17.101', dns: [{ address: '127.0.17.54', port: dns.port }], timers });
    open.push(vtc);
    const r = await vtc.dial('1234567890123@vc.example.com');
    expect(r.status).toBe(404);
    expect(r.attempts).toHaveLength(1);
  });
});
