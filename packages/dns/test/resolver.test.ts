import dgram from 'node:dgram';
import { ConfigError, FakeClock, GwsimError } from '@gwsim/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DnsError, DnsServer, sipZone, SipResolver, type SipResolverOptions, type SipTarget } from '../src/index.ts';
import { mulberry32 } from './support/prng.ts';
import { silentUdpServer } from './support/net.ts';

const ADDRESS = '127.0.1.30';
const hosts = (targets: SipTarget[]) => targets.map((t) => `${t.transport}:${t.address}:${t.port}/p${t.priority}`);

describe('SipResolver (RFC 3263 §4)', () => {
  let server: DnsServer;
  const resolver = (options: Partial<SipResolverOptions> = {}) =>
    new SipResolver({ servers: [{ address: ADDRESS, port: server.port }], timeoutMs: 1000, cache: false, ...options });
  const queries = () => server.dump().queries.byType;

  beforeAll(async () => {
    const zone = sipZone({ domain: 'vc.example.com', nodes: [{ name: 'px01', address: '127.0.0.11' }, { name: 'px02', address: '127.0.0.12' }] });
    const add = zone.add.bind(zone);
    add({ name: 'px03.vc.example.com', type: 'A', address: '127.0.0.13' });
    add({ name: 'px04.vc.example.com', type: 'AAAA', address: '::1' });
    add({ name: 'px04.vc.example.com', type: 'A', address: '127.0.0.14' });
    for (const [priority, weight, target, port] of [[20, 0, 'px03', 5062], [10, 10, 'px01', 5060], [10, 90, 'px02', 5060], [30, 1, 'px04', 5064]] as const) {
      add({ name: '_sip._udp.prio.vc.example.com', type: 'SRV', priority, weight, port, target: `${target}.vc.example.com` });
    }
    for (const [weight, target] of [[10, 'px01'], [30, 'px02'], [60, 'px03']] as const) {
      add({ name: '_sip._udp.weighted.vc.example.com', type: 'SRV', priority: 10, weight, port: 5060, target: `${target}.vc.example.com` });
    }
    add({ name: '_sip._tcp.tcponly.vc.example.com', type: 'SRV', priority: 10, weight: 10, port: 5080, target: 'px01.vc.example.com' });
    add({ name: 'plain.vc.example.com', type: 'A', address: '127.0.0.40' });
    add({ name: '_sip._udp.closed.vc.example.com', type: 'SRV', priority: 0, weight: 0, port: 0, target: '.' });
    add({ name: '_sip._udp.ghost.vc.example.com', type: 'SRV', priority: 10, weight: 0, port: 5060, target: 'nobody.vc.example.com' });
    add({ name: '_sip._udp.ghost.vc.example.com', type: 'SRV', priority: 20, weight: 0, port: 5060, target: 'px02.vc.example.com' });
    add({ name: '_sip._udp.allghost.vc.example.com', type: 'SRV', priority: 10, weight: 0, port: 5060, target: 'nobody.vc.example.com' });
    server = await DnsServer.start({ address: ADDRESS, port: 0, zone });
  });
  afterAll(() => server.close());

  describe('without DNS', () => {
    let silent: Awaited<ReturnType<typeof silentUdpServer>>;
    beforeAll(async () => {
      silent = await silentUdpServer('127.0.1.31');
    });
    afterAll(() => silent.close());
    const offline = () => new SipResolver({ servers: [{ address: '127.0.1.31', port: silent.port }], timeoutMs: 50, retries: 0 });

    it.each<[string, Parameters<SipResolver['resolve']>[0], Partial<SipTarget>]>([
      ['IPv4, no transport → UDP 5060', { host: '192.0.2.7' }, { address: '192.0.2.7', port: 5060, transport: 'udp' }],
      ['IPv4 with port and TCP', { host: '192.0.2.7', port: 5070, transport: 'tcp' }, { port: 5070, transport: 'tcp' }],
      ['bracketed IPv6, sips → TLS 5061', { host: '[2001:db8::5]', secure: true }, { host: '2001:db8::5', address: '2001:db8::5', port: 5061, transport: 'tls' }],
      ['transport=tls → 5061', { host: '198.51.100.1', transport: 'tls' }, { port: 5061, transport: 'tls' }],
    ])('numeric host: %s, no query sent', async (_what, target, expected) => {
      const out = await offline().resolve(target);
      expect(out).toEqual([{ host: expected.host ?? target.host, address: target.host.replace(/[[\]]/g, ''), priority: 0, weight: 0, source: 'ip', ...expected }]);
      expect(silent.received()).toBe(0);
    });

    it('times out against a server that never answers, after 1 + retries attempts', async () => {
      const start = performance.now();
      const error = await new SipResolver({ servers: [{ address: '127.0.1.31', port: silent.port }], timeoutMs: 100, retries: 1 })
        .resolve({ host: 'vc.example.com', transport: 'udp' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DnsError);
      expect(error).toMatchObject({ code: 'GWSIM_ERR_DNS', reason: 'timeout', qname: '_sip._udp.vc.example.com', qtype: 'SRV' });
      expect((error as Error).message).toBe(`DNS query for _sip._udp.vc.example.com SRV timed out after 100 ms to server 127.0.1.31:${silent.port} (2 attempts)`);
      expect(performance.now() - start).toBeGreaterThanOrEqual(190);
      expect(silent.received()).toBe(2);
    });

    it('fails over to the next server when the first does not answer', async () => {
      const r = new SipResolver({ servers: [{ address: '127.0.1.31', port: silent.port }, { address: ADDRESS, port: server.port }], timeoutMs: 100, retries: 0 });
      expect(hosts(await r.resolve({ host: 'plain.vc.example.com', port: 5060 }))).toEqual(['udp:127.0.0.40:5060/p0']);
    });
  });

  it('explicit port: A/AAAA only, no SRV query (RFC 3263 §4.2)', async () => {
    const srvBefore = queries().SRV ?? 0;
    const out = await resolver().resolve({ host: 'px04.vc.example.com', port: 5090, transport: 'tcp' });
    expect(out).toEqual([
      { host: 'px04.vc.example.com', address: '127.0.0.14', port: 5090, transport: 'tcp', priority: 0, weight: 0, source: 'a' },
      { host: 'px04.vc.example.com', address: '::1', port: 5090, transport: 'tcp', priority: 0, weight: 0, source: 'a' },
    ]);
    expect(queries().SRV ?? 0).toBe(srvBefore);
  });

  it('SRV: the walk order is priority first, weighted inside a priority, addresses from the additional section', async () => {
    const aBefore = queries().A ?? 0;
    const light = await resolver({ random: () => 0 }).resolve({ host: 'prio.vc.example.com', transport: 'udp' });
    expect(hosts(light)).toEqual(['udp:127.0.0.11:5060/p10', 'udp:127.0.0.12:5060/p10', 'udp:127.0.0.13:5062/p20', 'udp:127.0.0.14:5064/p30', 'udp:::1:5064/p30']);
    expect(light[0]).toEqual({ host: 'px01.vc.example.com', address: '127.0.0.11', port: 5060, transport: 'udp', priority: 10, weight: 10, source: 'srv' });
    const heavy = await resolver({ random: () => 0.999 }).resolve({ host: 'prio.vc.example.com', transport: 'udp' });
    expect(hosts(heavy).slice(0, 2)).toEqual(['udp:127.0.0.12:5060/p10', 'udp:127.0.0.11:5060/p10']);
    expect(queries().A ?? 0).toBe(aBefore); // glue in the additional section was enough
  });

  // Same reasoning as the orderSrv test: first-pick probabilities 11/101, 30/101, 60/101. 3000 resolutions
  // (served from the cache after the first, so only the ordering repeats) give a standard error ≤ 0.0092;
  // a tolerance of 0.04 is over 4 standard errors.
  it('spreads first choices by SRV weight 10/30/60 with a seeded random source', async () => {
    const r = resolver({ random: mulberry32(2026), cache: true });
    const counts: Record<string, number> = {};
    const N = 3000;
    for (let i = 0; i < N; i++) {
      const [first] = await r.resolve({ host: 'weighted.vc.example.com', transport: 'udp' });
      counts[first!.host] = (counts[first!.host] ?? 0) + 1;
    }
    expect(Math.abs(counts['px01.vc.example.com']! / N - 11 / 101)).toBeLessThan(0.04);
    expect(Math.abs(counts['px02.vc.example.com']! / N - 30 / 101)).toBeLessThan(0.04);
    expect(Math.abs(counts['px03.vc.example.com']! / N - 60 / 101)).toBeLessThan(0.04);
  });

  it('chooses the SRV service from the URI: sips → _sips._tcp, tcp → _sip._tcp, none → _sip._udp then _sip._tcp', async () => {
    expect(hosts(await resolver({ random: () => 0 }).resolve({ host: 'vc.example.com', secure: true }))).toEqual(['tls:127.0.0.11:5061/p10', 'tls:127.0.0.12:5061/p10']);
    expect(hosts(await resolver({ random: () => 0 }).resolve({ host: 'vc.example.com', transport: 'tcp' }))).toEqual(['tcp:127.0.0.11:5060/p10', 'tcp:127.0.0.12:5060/p10']);
    expect(hosts(await resolver({ random: () => 0 }).resolve({ host: 'vc.example.com' }))).toEqual(['udp:127.0.0.11:5060/p10', 'udp:127.0.0.12:5060/p10']);
    expect(hosts(await resolver().resolve({ host: 'tcponly.vc.example.com' }))).toEqual(['tcp:127.0.0.11:5080/p10']);
  });

  it('falls back to A/AAAA on the default port when there is no SRV record (RFC 3263 §4.2)', async () => {
    expect(await resolver().resolve({ host: 'plain.vc.example.com' })).toEqual([
      { host: 'plain.vc.example.com', address: '127.0.0.40', port: 5060, transport: 'udp', priority: 0, weight: 0, source: 'a' },
    ]);
    expect(hosts(await resolver().resolve({ host: 'plain.vc.example.com', secure: true }))).toEqual(['tls:127.0.0.40:5061/p0']);
  });

  it('skips an SRV target without an address and keeps the others in order', async () => {
    expect(hosts(await resolver().resolve({ host: 'ghost.vc.example.com', transport: 'udp' }))).toEqual(['udp:127.0.0.12:5060/p20']);
    await expect(resolver().resolve({ host: 'allghost.vc.example.com', transport: 'udp' })).rejects.toMatchObject({
      code: 'GWSIM_ERR_DNS', reason: 'nxdomain', message: expect.stringContaining('no SRV target of _sip._udp.allghost.vc.example.com has a usable A or AAAA record'),
    });
  });

  it('reports NXDOMAIN, NODATA, "service not available" and REFUSED as DnsError with a clear message', async () => {
    await expect(resolver().resolve({ host: 'nope.vc.example.com' })).rejects.toMatchObject({
      code: 'GWSIM_ERR_DNS', reason: 'nxdomain', message: `NXDOMAIN for name nope.vc.example.com (server ${ADDRESS}:${server.port})`,
    });
    await expect(resolver().resolve({ host: 'nope.vc.example.com', port: 5060 })).rejects.toMatchObject({ reason: 'nxdomain' });
    await expect(resolver().resolve({ host: '_udp.vc.example.com', port: 5060 })).rejects.toMatchObject({
      reason: 'nodata', message: expect.stringContaining('no A or AAAA records for name _udp.vc.example.com'),
    });
    await expect(resolver().resolve({ host: 'closed.vc.example.com', transport: 'udp' })).rejects.toMatchObject({ reason: 'unavailable' });
    await expect(resolver().resolve({ host: 'www.example.org' })).rejects.toMatchObject({
      reason: 'server-error', message: `DNS query for _sip._udp.www.example.org SRV failed: ${ADDRESS}:${server.port} answered REFUSED`,
    });
  });

  it('reports a server port with nothing behind it as unreachable, quickly', async () => {
    const probe = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => probe.bind(0, '127.0.1.32', resolve));
    const port = probe.address().port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const start = performance.now();
    const err = await new SipResolver({ servers: [{ address: '127.0.1.32', port }], timeoutMs: 2000, retries: 1 }).resolve({ host: 'vc.example.com' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'GWSIM_ERR_DNS', reason: 'unreachable' });
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it('caches positive answers for their TTL and NODATA for the SOA negative TTL (RFC 2308), on the injected clock', async () => {
    const clock = new FakeClock();
    const r = resolver({ cache: true, clock });
    const total = () => server.dump().queries.total;
    const before = total();
    await r.resolve({ host: 'plain.vc.example.com', port: 5060 });
    const after = total();
    expect(after).toBe(before + 2); // A and AAAA
    await r.resolve({ host: 'plain.vc.example.com', port: 5060 });
    expect(total()).toBe(after); // A cached positively, the empty AAAA answer negatively
    expect(r.dump()).toMatchObject({ cacheHits: 2, negativeCacheHits: 1, cacheEntries: 2 });
    clock.advance(61_000); // TTL 60 and SOA minimum 60 both ran out
    await r.resolve({ host: 'plain.vc.example.com', port: 5060 });
    expect(total()).toBe(after + 2);
  });

  it('validates its input', async () => {
    await expect(resolver().resolve({ host: 'vc.example.com', secure: true, transport: 'udp' })).rejects.toMatchObject({ code: 'GWSIM_ERR_INVALID_ARGUMENT' });
    await expect(resolver().resolve({ host: 'vc.example.com', port: 0 })).rejects.toBeInstanceOf(ConfigError);
    await expect(resolver().resolve({ host: '' })).rejects.toMatchObject({ path: 'target.host' });
    await expect(resolver().resolve({ host: 'x', transport: 'sctp' as 'udp' })).rejects.toMatchObject({ path: 'target.transport' });
    expect(() => new SipResolver({ servers: [] })).toThrow(ConfigError);
    expect(() => new SipResolver({ servers: [{ address: 'dns.example', port: 53 }] })).toThrow(/servers\[0\]\.address/);
    expect(() => new SipResolver({ servers: [{ address: ADDRESS, port: 53 }], timeoutMs: 0 })).toThrow(GwsimError);
  });
});

describe('SipResolver against large answers', () => {
  const nodes = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `px${String(i + 1).padStart(2, '0')}`, address: `127.0.2.${i + 1}` }));

  it('queries A records itself when the additional section was dropped to fit 512 bytes', async () => {
    const server = await DnsServer.start({ address: '127.0.1.33', port: 0, zone: sipZone({ domain: 'vc.example.com', nodes: nodes(11) }) });
    try {
      const r = new SipResolver({ servers: [{ address: '127.0.1.33', port: server.port }], random: mulberry32(5) });
      const out = await r.resolve({ host: 'vc.example.com', transport: 'udp' });
      expect(out).toHaveLength(11);
      expect(new Set(out.map((t) => t.address)).size).toBe(11);
      expect(server.dump().queries.byType.A).toBe(11);
      expect(r.dump().tcpFallbacks).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('retries over TCP when the UDP answer is truncated (TC)', async () => {
    const server = await DnsServer.start({ address: '127.0.1.34', port: 0, zone: sipZone({ domain: 'vc.example.com', nodes: nodes(60) }) });
    try {
      const r = new SipResolver({ servers: [{ address: '127.0.1.34', port: server.port }] });
      const out = await r.resolve({ host: 'vc.example.com', secure: true });
      expect(out).toHaveLength(60);
      expect(out.every((t) => t.transport === 'tls' && t.port === 5061)).toBe(true);
      expect(r.dump().tcpFallbacks).toBe(1);
      expect(server.dump().queries).toMatchObject({ udp: 2, tcp: 1 }); // NAPTR (none), SRV over UDP (TC), SRV over TCP
      expect(server.dump().queries.byType).toEqual({ NAPTR: 1, SRV: 2 });
    } finally {
      await server.close();
    }
  });
});
