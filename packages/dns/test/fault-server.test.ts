import { ConfigError } from '@gwsim/common';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeMessage, DnsClient, DnsServer, RCODE, RR_TYPE, sipZone, SipResolver, type DnsMessage } from '../src/index.ts';
import { dig, flags, section, status } from './support/dig.ts';
import { frame, queryBytes, tcpExchange } from './support/net.ts';

const ADDRESS = '127.0.23.41';
const SRV = '_sip._udp.vc.example.com';
const PX01 = 'px01.vc.example.com';

const brief = (m: DnsMessage) => ({
  rcode: m.rcode,
  aa: m.aa,
  answers: m.answers.map((r) => ('ttl' in r ? `${r.name} ${r.ttl} ${String(r.type)}` : '')),
  authorities: m.authorities.map((r) => String(r.type)),
  additionals: m.additionals.map((r) => (r.type === 'A' ? `${r.name} A ${r.address}` : String(r.type))),
});

describe('DnsServer faults, seen by our client and by dig', () => {
  let server: DnsServer;
  const client = (options: { retries?: number; timeoutMs?: number } = {}) =>
    new DnsClient({ servers: [{ address: ADDRESS, port: server.port }], cache: false, timeoutMs: options.timeoutMs ?? 300, retries: options.retries ?? 0 });
  const ask = async (name: string, type: number) => (await client().query(name, type)).message;

  beforeAll(async () => {
    const zone = sipZone({ domain: 'vc.example.com', nodes: [{ name: 'px01', address: '127.0.0.11' }, { name: 'px02', address: '127.0.0.12' }] });
    server = await DnsServer.start({ address: ADDRESS, port: 0, zone });
  });
  afterEach(() => {
    server.faults.clear();
  });
  afterAll(() => server.close());

  it('nxdomain: NXDOMAIN with aa and the SOA, for the faulted type only', async () => {
    server.faults.set({ name: PX01, type: 'A', kind: 'nxdomain' });
    expect(brief(await ask(PX01, RR_TYPE.A))).toMatchObject({ rcode: RCODE.NXDOMAIN, aa: true, answers: [], authorities: ['SOA'] });
    const out = await dig(ADDRESS, server.port, [PX01, 'A']);
    expect(status(out)).toBe('NXDOMAIN');
    expect(flags(out)).toContain('aa');
    expect(status(await dig(ADDRESS, server.port, [PX01, 'AAAA']))).toBe('NOERROR');
  });

  it.each([['servfail', 'SERVFAIL'], ['refused', 'REFUSED']] as const)('%s: the client reports a server error; dig sees %s without aa', async (kind, rcode) => {
    server.faults.set({ name: SRV, kind });
    await expect(client().query(SRV, RR_TYPE.SRV)).rejects.toMatchObject({ code: 'GWSIM_ERR_DNS', reason: 'server-error', message: expect.stringContaining(`answered ${rcode}`) });
    const out = await dig(ADDRESS, server.port, ['+tcp', SRV, 'SRV']);
    expect(status(out)).toBe(rcode);
    expect(flags(out)).not.toContain('aa');
    expect(section(out, 'ANSWER')).toEqual([]);
  });

  it('timeout: no answer over UDP or TCP; the client times out, dig reaches no server', async () => {
    server.faults.set({ name: PX01, type: 'A', kind: 'timeout' });
    const before = server.dump().queries.faultDropped;
    await expect(client({ timeoutMs: 150, retries: 1 }).query(PX01, RR_TYPE.A)).rejects.toMatchObject({ reason: 'timeout', message: expect.stringContaining('(2 attempts)') });
    await expect(dig(ADDRESS, server.port, ['+time=1', PX01, 'A'])).rejects.toThrow(/timed out|no servers could be reached/);
    const tcp = await tcpExchange(ADDRESS, server.port, frame(queryBytes(PX01, RR_TYPE.A)), 1, 300);
    expect(tcp).toEqual({ replies: [], closedByPeer: false }); // silent, but the connection stays usable
    expect(server.dump().queries.faultDropped).toBe(before + 4);
    expect((await ask(PX01, RR_TYPE.AAAA)).rcode).toBe(RCODE.NOERROR);
  });

  it('delay: the normal answer, late, on UDP and TCP', async () => {
    const normal = brief(await ask(SRV, RR_TYPE.SRV));
    server.faults.set({ name: SRV, kind: 'delay', delayMs: 250 });
    let start = performance.now();
    expect(brief(await client({ timeoutMs: 1000 }).query(SRV, RR_TYPE.SRV).then((a) => a.message))).toEqual(normal);
    expect(performance.now() - start).toBeGreaterThanOrEqual(240);
    start = performance.now();
    const { replies } = await tcpExchange(ADDRESS, server.port, frame(queryBytes(SRV, RR_TYPE.SRV)), 1, 2000);
    expect(brief(decodeMessage(replies[0]!))).toEqual(normal);
    expect(performance.now() - start).toBeGreaterThanOrEqual(240);
    // Longer than the client waits: that is a timeout for the client.
    await expect(client({ timeoutMs: 100 }).query(SRV, RR_TYPE.SRV)).rejects.toMatchObject({ reason: 'timeout' });
  });

  it('wrong-target: SRV targets and ports rewritten, glue follows the new target', async () => {
    server.faults.set({ name: SRV, type: 'SRV', kind: 'wrong-target', target: 'px02.vc.example.com', port: 5999 });
    const out = await dig(ADDRESS, server.port, [SRV, 'SRV']);
    expect(section(out, 'ANSWER')).toEqual([`${SRV}. 60 IN SRV 10 10 5999 px02.vc.example.com.`, `${SRV}. 60 IN SRV 10 10 5999 px02.vc.example.com.`]);
    expect(section(out, 'ADDITIONAL')).toEqual(['px02.vc.example.com. 60 IN A 127.0.0.12']);
    server.faults.clear();
    server.faults.set({ name: SRV, type: 'SRV', kind: 'wrong-target', target: 'gone.example.org' }); // out of zone: no glue
    expect(brief(await ask(SRV, RR_TYPE.SRV)).additionals).toEqual([]);
  });

  it('wrong-target: an A address rewritten in the answer and in SRV glue; the resolver follows it', async () => {
    server.faults.set({ name: PX01, type: 'A', kind: 'wrong-target', address: '192.0.2.99' });
    expect((await dig(ADDRESS, server.port, ['+short', PX01, 'A'])).trim()).toBe('192.0.2.99');
    expect(section(await dig(ADDRESS, server.port, [SRV, 'SRV']), 'ADDITIONAL')).toEqual(['px01.vc.example.com. 60 IN A 192.0.2.99', 'px02.vc.example.com. 60 IN A 127.0.0.12']);
    const r = new SipResolver({ servers: [{ address: ADDRESS, port: server.port }], cache: false, random: () => 0 });
    expect((await r.resolve({ host: 'vc.example.com', transport: 'udp' })).map((t) => t.address)).toEqual(['192.0.2.99', '127.0.0.12']);
  });

  it('stale-target: answers keep the records the zone had when the fault was set', async () => {
    const zone = server.zone;
    server.faults.set({ name: SRV, type: 'SRV', kind: 'stale-target' });
    zone.remove(SRV, 'SRV');
    zone.add({ name: SRV, type: 'SRV', priority: 10, weight: 10, port: 5060, target: 'px02.vc.example.com' });
    try {
      expect(section(await dig(ADDRESS, server.port, [SRV, 'SRV']), 'ANSWER')).toEqual([
        `${SRV}. 60 IN SRV 10 10 5060 px01.vc.example.com.`,
        `${SRV}. 60 IN SRV 10 10 5060 px02.vc.example.com.`,
      ]);
      server.faults.clear();
      expect(section(await dig(ADDRESS, server.port, [SRV, 'SRV']), 'ANSWER')).toEqual([`${SRV}. 60 IN SRV 10 10 5060 px02.vc.example.com.`]);
    } finally {
      zone.add({ name: SRV, type: 'SRV', priority: 10, weight: 10, port: 5060, target: 'px01.vc.example.com' });
    }
  });

  it('ttl: overrides answer and authority TTLs (so the negative TTL too)', async () => {
    server.faults.set({ name: SRV, kind: 'ttl', ttl: 7 });
    server.faults.set({ name: 'nope.vc.example.com', kind: 'ttl', ttl: 3 });
    const out = await dig(ADDRESS, server.port, [SRV, 'SRV']);
    expect(section(out, 'ANSWER').map((l) => l.split(' ')[1])).toEqual(['7', '7']);
    expect(section(out, 'ADDITIONAL').map((l) => l.split(' ')[1])).toEqual(['60', '60']); // glue has no fault of its own
    expect(section(await dig(ADDRESS, server.port, ['nope.vc.example.com', 'A']), 'AUTHORITY')[0]).toMatch(/^vc\.example\.com\. 3 IN SOA /);
  });

  it('every-nth: only every nth query is answered, so a client with retries gets through on the nth try', async () => {
    server.faults.set({ id: 'flaky', name: PX01, type: 'A', kind: 'every-nth', n: 3 });
    const answer = await client({ timeoutMs: 100, retries: 2 }).query(PX01, RR_TYPE.A);
    expect(answer.message.answers).toMatchObject([{ address: '127.0.0.11' }]);
    expect(server.faults.get('flaky')).toMatchObject({ matched: 3 });
    await expect(client({ timeoutMs: 100, retries: 1 }).query(PX01, RR_TYPE.A)).rejects.toMatchObject({ reason: 'timeout' });
  });

  it('glue of a name under a fault is left out, so the resolver asks and meets the fault (px01 skipped)', async () => {
    server.faults.set({ name: PX01, kind: 'timeout' });
    expect(section(await dig(ADDRESS, server.port, [SRV, 'SRV']), 'ADDITIONAL')).toEqual(['px02.vc.example.com. 60 IN A 127.0.0.12']);
    const r = new SipResolver({ servers: [{ address: ADDRESS, port: server.port }], cache: false, timeoutMs: 100, retries: 0, random: () => 0 });
    expect((await r.resolve({ host: 'vc.example.com', transport: 'udp' })).map((t) => t.host)).toEqual(['px02.vc.example.com']);
  });

  it('switches at run time: a cleared fault stops applying at once, and dump() lists the faults', async () => {
    const f = server.faults.set({ name: PX01, type: 'A', kind: 'refused' });
    expect((await ask(PX01, RR_TYPE.AAAA)).rcode).toBe(RCODE.NOERROR);
    await expect(ask(PX01, RR_TYPE.A)).rejects.toMatchObject({ reason: 'server-error' });
    expect(server.dump().faults).toEqual([{ ...f, matched: 1 }]);
    expect(server.faults.clear({ id: f.id })).toHaveLength(1);
    expect((await ask(PX01, RR_TYPE.A)).answers).toMatchObject([{ address: '127.0.0.11' }]);
    expect(server.dump().faults).toEqual([]);
  });
});

describe('DnsServer precomputed answers', () => {
  it('serves repeated questions from the cache, keeps each query\'s id and case, and drops entries when the zone changes or a fault is set', async () => {
    const zone = sipZone({ domain: 'vc.example.com', nodes: [{ name: 'px01', address: '127.0.0.11' }] });
    const server = await DnsServer.start({ address: '127.0.23.42', port: 0, zone });
    try {
      const c = new DnsClient({ servers: [{ address: '127.0.23.42', port: server.port }], cache: false });
      const first = await c.query('px01.VC.example.com', RR_TYPE.A);
      const second = await c.query('px01.VC.example.com', RR_TYPE.A);
      expect(second.message.questions[0]!.name).toBe('px01.VC.example.com');
      expect(second.message.id).not.toBe(first.message.id); // (random ids: equal with probability 1/65536)
      expect(server.dump().queries).toMatchObject({ total: 2, cacheHits: 1, byType: { A: 2 }, byRcode: { NOERROR: 2 } });
      zone.remove('px01.vc.example.com', 'A');
      zone.add({ name: 'px01.vc.example.com', type: 'A', address: '127.0.0.99' });
      expect((await c.query('px01.VC.example.com', RR_TYPE.A)).message.answers).toMatchObject([{ address: '127.0.0.99' }]);
      server.faults.set({ name: 'px01.vc.example.com', kind: 'nxdomain' });
      expect((await c.query('px01.VC.example.com', RR_TYPE.A)).message.rcode).toBe(RCODE.NXDOMAIN);
      server.faults.clear();
      server.zone = sipZone({ domain: 'vc.example.com', nodes: [{ name: 'px01', address: '127.0.0.55' }] });
      expect((await c.query('px01.VC.example.com', RR_TYPE.A)).message.answers).toMatchObject([{ address: '127.0.0.55' }]);
      expect((await c.query('px01.VC.example.com', RR_TYPE.A)).message.answers).toMatchObject([{ address: '127.0.0.55' }]);
      expect(server.dump().queries.cacheHits).toBe(2);
    } finally {
      await server.close();
    }
  });
});

describe('DnsServer faults from options', () => {
  it('takes scenario-format faults at start and validates them with field paths', async () => {
    const zone = sipZone({ domain: 'vc.example.com', nodes: [{ name: 'px01', address: '127.0.0.11' }] });
    await expect(DnsServer.start({ address: '127.0.23.43', port: 0, zone, faults: [{ name: PX01, kind: 'slow' }] })).rejects.toSatisfy(
      (e) => e instanceof ConfigError && e.path === 'faults[0].kind',
    );
    const server = await DnsServer.start({ address: '127.0.23.43', port: 0, zone, faults: [{ name: PX01, type: 'A', kind: 'servfail' }] });
    try {
      expect(server.faults.list()).toMatchObject([{ id: 'f1', kind: 'servfail' }]);
      expect(status(await dig('127.0.23.43', server.port, [PX01, 'A']))).toBe('SERVFAIL');
    } finally {
      await server.close();
    }
  });

  it('close() cancels answers still waiting under a delay fault', async () => {
    const zone = sipZone({ domain: 'vc.example.com', nodes: [{ name: 'px01', address: '127.0.0.11' }] });
    const server = await DnsServer.start({ address: '127.0.23.44', port: 0, zone, faults: [{ name: PX01, kind: 'delay', delayMs: 5000 }] });
    const pending = new DnsClient({ servers: [{ address: '127.0.23.44', port: server.port }], timeoutMs: 300, retries: 0 }).query(PX01, RR_TYPE.A);
    await new Promise((r) => setTimeout(r, 50));
    await server.close();
    await expect(pending).rejects.toMatchObject({ code: 'GWSIM_ERR_DNS' });
  });
});
