import dgram from 'node:dgram';
import { ConfigError, FakeClock } from '@gwsim/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMessage, DnsClient, DnsServer, emptyMessage, encodeMessage, RCODE, RR_TYPE, sipZone, SipResolver, Zone, type SipResolverOptions, type SipTarget } from '../src/index.ts';

const ADDRESS = '127.0.23.50';
const show = (targets: SipTarget[]) => targets.map((t) => `${t.transport}:${t.host}:${t.port}:${t.source}`);

describe('SipResolver NAPTR step (RFC 3263 §4.1)', () => {
  let server: DnsServer;
  const resolver = (options: Partial<SipResolverOptions> = {}) =>
    new SipResolver({ servers: [{ address: ADDRESS, port: server.port }], cache: false, timeoutMs: 300, retries: 0, random: () => 0, ...options });
  const byType = () => ({ ...server.dump().queries.byType });
  const delta = (before: Record<string, number>) =>
    Object.fromEntries(Object.entries(byType()).filter(([k, v]) => v !== (before[k] ?? 0)).map(([k, v]) => [k, v - (before[k] ?? 0)]));

  beforeAll(async () => {
    const zone = sipZone({ domain: 'vc.example.com', nodes: [{ name: 'px01', address: '127.0.0.11' }, { name: 'px02', address: '127.0.0.12' }], naptr: true });
    const add = zone.add.bind(zone);
    const naptr = (name: string, order: number, preference: number, service: string, replacement: string, flags = 'S') =>
      add({ name, type: 'NAPTR', order, preference, flags, service, regexp: '', replacement });
    const srv = (name: string, port: number) => add({ name, type: 'SRV', priority: 10, weight: 10, port, target: 'px01.vc.example.com' });
    // Same order, preference decides: TCP (10) before UDP (20).
    naptr('pref.vc.example.com', 10, 20, 'SIP+D2U', '_sip._udp.pref.vc.example.com');
    naptr('pref.vc.example.com', 10, 10, 'SIP+D2T', '_sip._tcp.pref.vc.example.com');
    srv('_sip._udp.pref.vc.example.com', 5160);
    srv('_sip._tcp.pref.vc.example.com', 5260);
    // The preferred record's SRV name has no records: go on to the next NAPTR.
    naptr('broken.vc.example.com', 10, 10, 'SIP+D2T', '_sip._tcp.broken.vc.example.com');
    naptr('broken.vc.example.com', 20, 10, 'SIP+D2U', '_sip._udp.broken.vc.example.com');
    srv('_sip._udp.broken.vc.example.com', 5360);
    // Nothing usable: non-terminal flag, unsupported services → plain SRV lookups.
    naptr('odd.vc.example.com', 10, 10, 'SIP+D2U', 'x.odd.vc.example.com', 'A');
    naptr('odd.vc.example.com', 20, 10, 'SIP+D2S', '_sip._sctp.odd.vc.example.com');
    naptr('odd.vc.example.com', 30, 10, 'E2U+sip', '_sip._udp.odd.vc.example.com');
    srv('_sip._tcp.odd.vc.example.com', 5460);
    server = await DnsServer.start({ address: ADDRESS, port: 0, zone });
  });
  afterAll(() => server.close());

  it('sipZone({ naptr: true }) publishes SIPS+D2T, SIP+D2T, SIP+D2U in that order', () => {
    const res = server.zone.lookup('vc.example.com', 'NAPTR');
    expect(res.status === 'answer' && res.records.map((r) => r.type === 'NAPTR' && `${r.order} ${r.preference} ${r.flags} ${r.service} ${r.replacement}`)).toEqual([
      '10 10 S SIPS+D2T _sips._tcp.vc.example.com',
      '20 10 S SIP+D2T _sip._tcp.vc.example.com',
      '30 10 S SIP+D2U _sip._udp.vc.example.com',
    ]);
    expect(() => sipZone({ domain: 'x.example', nodes: [{ name: 'a', address: '127.0.0.1' }], naptr: ['udp', 'sctp' as 'udp'] })).toThrow(/naptr\[1\]: expected udp, tcp or tls/);
    expect(() => sipZone({ domain: 'x.example', nodes: [{ name: 'a', address: '127.0.0.1' }], naptr: ['udp', 'udp'] })).toThrow(/naptr\[1\]: "udp" is listed twice/);
  });

  it('no transport, no port: NAPTR picks the most preferred transport; SRV and addresses come as additional data', async () => {
    const before = byType();
    expect(show(await resolver().resolve({ host: 'vc.example.com' }))).toEqual(['tls:px01.vc.example.com:5061:naptr', 'tls:px02.vc.example.com:5061:naptr']);
    expect(delta(before)).toEqual({ NAPTR: 1 }); // one round trip: RFC 3403 §4.1 additional processing carries the rest
  });

  it('skips services the client does not support (resolver option or per request)', async () => {
    expect(show(await resolver({ transports: ['udp', 'tcp'] }).resolve({ host: 'vc.example.com' }))).toEqual(['tcp:px01.vc.example.com:5060:naptr', 'tcp:px02.vc.example.com:5060:naptr']);
    expect(show(await resolver().resolve({ host: 'vc.example.com', transports: ['udp'] }))).toEqual(['udp:px01.vc.example.com:5060:naptr', 'udp:px02.vc.example.com:5060:naptr']);
    expect(() => resolver({ transports: [] })).toThrow(ConfigError);
    await expect(resolver().resolve({ host: 'vc.example.com', transports: ['ws' as 'udp'] })).rejects.toMatchObject({ path: 'target.transports[0]' });
  });

  it('a sips: URI only considers SIPS+ services', async () => {
    const out = await resolver({ transports: ['udp', 'tls'] }).resolve({ host: 'vc.example.com', secure: true });
    expect(show(out)).toEqual(['tls:px01.vc.example.com:5061:naptr', 'tls:px02.vc.example.com:5061:naptr']);
  });

  it('a transport parameter skips NAPTR (straight to that transport\'s SRV)', async () => {
    const before = byType();
    expect(show(await resolver().resolve({ host: 'vc.example.com', transport: 'udp' }))).toEqual(['udp:px01.vc.example.com:5060:srv', 'udp:px02.vc.example.com:5060:srv']);
    expect(delta(before)).toEqual({ SRV: 1 });
  });

  it('orders by NAPTR order, then preference', async () => {
    expect(show(await resolver().resolve({ host: 'pref.vc.example.com' }))).toEqual(['tcp:px01.vc.example.com:5260:naptr']);
  });

  it('goes on to the next NAPTR record when the preferred one\'s SRV name has no records', async () => {
    expect(show(await resolver().resolve({ host: 'broken.vc.example.com' }))).toEqual(['udp:px01.vc.example.com:5360:naptr']);
  });

  it('ignores records without flag "S" and services other than SIP+D2U, SIP+D2T, SIPS+D2T, then falls back to SRV', async () => {
    expect(show(await resolver().resolve({ host: 'odd.vc.example.com' }))).toEqual(['tcp:px01.vc.example.com:5460:srv']);
  });

  it('treats a NAPTR lookup that fails (SERVFAIL, timeout) as "no NAPTR" and falls back to SRV', async () => {
    server.faults.set({ name: 'vc.example.com', type: 'NAPTR', kind: 'servfail' });
    try {
      expect(show(await resolver().resolve({ host: 'vc.example.com' }))).toEqual(['udp:px01.vc.example.com:5060:srv', 'udp:px02.vc.example.com:5060:srv']);
      server.faults.clear();
      server.faults.set({ name: 'vc.example.com', type: 'NAPTR', kind: 'timeout' });
      expect(show(await resolver({ timeoutMs: 100 }).resolve({ host: 'vc.example.com' }))).toEqual(['udp:px01.vc.example.com:5060:srv', 'udp:px02.vc.example.com:5060:srv']);
    } finally {
      server.faults.clear();
    }
  });

  it('can be switched off (naptr: false): plain SRV lookups as before', async () => {
    const before = byType();
    expect(show(await resolver({ naptr: false }).resolve({ host: 'vc.example.com' }))).toEqual(['udp:px01.vc.example.com:5060:srv', 'udp:px02.vc.example.com:5060:srv']);
    expect(delta(before)).toEqual({ SRV: 1 });
  });

  it('queries the SRV name itself when the NAPTR answer carries no SRV glue (it is under a fault)', async () => {
    server.faults.set({ name: '_sips._tcp.vc.example.com', kind: 'ttl', ttl: 1 });
    server.faults.set({ name: '_sips._tcp.vc.example.com', kind: 'delay', delayMs: 1 });
    try {
      const before = byType();
      expect(show(await resolver().resolve({ host: 'vc.example.com' }))).toEqual(['tls:px01.vc.example.com:5061:naptr', 'tls:px02.vc.example.com:5061:naptr']);
      expect(delta(before)).toEqual({ NAPTR: 1, SRV: 1 });
    } finally {
      server.faults.clear();
    }
  });
});

describe('DnsClient negative cache (RFC 2308)', () => {
  let server: DnsServer;
  beforeAll(async () => {
    const zone = new Zone({ origin: 'neg.example', ttl: 300, soa: { minimum: 30 }, records: [{ name: 'a.neg.example', type: 'A', address: '192.0.2.1' }] });
    server = await DnsServer.start({ address: '127.0.23.51', port: 0, zone });
  });
  afterAll(() => server.close());
  const total = () => server.dump().queries.total;

  it('caches NXDOMAIN and NODATA for min(SOA TTL, SOA minimum), then asks again', async () => {
    const clock = new FakeClock();
    const c = new DnsClient({ servers: [{ address: '127.0.23.51', port: server.port }], clock });
    const start = total();
    expect((await c.query('nope.neg.example', RR_TYPE.A)).message.rcode).toBe(RCODE.NXDOMAIN);
    expect((await c.query('a.neg.example', RR_TYPE.AAAA)).message.answers).toEqual([]);
    expect((await c.query('NOPE.neg.example', RR_TYPE.A)).message.rcode).toBe(RCODE.NXDOMAIN);
    await c.query('a.neg.example', RR_TYPE.AAAA);
    expect(total()).toBe(start + 2);
    expect(c.dump()).toMatchObject({ cacheHits: 2, negativeCacheHits: 2, cacheEntries: 2 });
    clock.advance(29_000);
    await c.query('nope.neg.example', RR_TYPE.A);
    expect(total()).toBe(start + 2);
    clock.advance(1_000); // 30 s: the SOA minimum, not its TTL of 300
    await c.query('nope.neg.example', RR_TYPE.A);
    expect(total()).toBe(start + 3);
  });

  it('honours maxNegativeTtl and negativeCache: false', async () => {
    const clock = new FakeClock();
    const capped = new DnsClient({ servers: [{ address: '127.0.23.51', port: server.port }], clock, maxNegativeTtl: 5 });
    const start = total();
    await capped.query('nope.neg.example', RR_TYPE.A);
    clock.advance(5_000);
    await capped.query('nope.neg.example', RR_TYPE.A);
    expect(total()).toBe(start + 2);
    const off = new DnsClient({ servers: [{ address: '127.0.23.51', port: server.port }], negativeCache: false });
    await off.query('nope.neg.example', RR_TYPE.A);
    await off.query('nope.neg.example', RR_TYPE.A);
    expect(off.dump()).toMatchObject({ cacheHits: 0, cacheEntries: 0 });
    expect(() => new DnsClient({ servers: [{ address: '127.0.23.51', port: server.port }], maxNegativeTtl: -1 })).toThrow(/maxNegativeTtl/);
  });

  it('does not cache a negative answer without an SOA (RFC 2308 §5)', async () => {
    // A bare responder that says NXDOMAIN with an empty authority section.
    const socket = dgram.createSocket('udp4');
    socket.on('message', (packet, rinfo) => {
      const q = decodeMessage(packet);
      socket.send(encodeMessage({ ...emptyMessage(q.id), qr: true, rcode: RCODE.NXDOMAIN, questions: q.questions }), rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.23.52', resolve));
    try {
      const c = new DnsClient({ servers: [{ address: '127.0.23.52', port: socket.address().port }] });
      await c.query('nope.neg.example', RR_TYPE.A);
      await c.query('nope.neg.example', RR_TYPE.A);
      expect(c.dump()).toMatchObject({ queries: 2, cacheHits: 0, cacheEntries: 0 });
    } finally {
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    }
  });

  it('the resolver reuses a cached NXDOMAIN instead of asking again', async () => {
    const r = new SipResolver({ servers: [{ address: '127.0.23.51', port: server.port }] });
    await expect(r.resolve({ host: 'nope.neg.example', port: 5060 })).rejects.toMatchObject({ reason: 'nxdomain' });
    const after = total();
    await expect(r.resolve({ host: 'nope.neg.example', port: 5060 })).rejects.toMatchObject({ reason: 'nxdomain' });
    expect(total()).toBe(after);
  });
});
