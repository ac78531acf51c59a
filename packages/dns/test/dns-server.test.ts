import { Resolver } from 'node:dns/promises';
import net from 'node:net';
import { ConfigError, createLogger, GwsimError } from '@gwsim/common';
import { UDPClient } from 'dns2';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeMessage, DnsServer, RR_TYPE, sipZone, Zone } from '../src/index.ts';
import { frame, queryBytes, tcpExchange } from './support/net.ts';

const ADDRESS = '127.0.1.1';
const nodes = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `px${String(i + 1).padStart(2, '0')}`, address: `127.0.2.${i + 1}` }));

describe('DnsServer over UDP and TCP, queried by Node (c-ares)', () => {
  let server: DnsServer;
  let resolver: Resolver;

  beforeAll(async () => {
    const zone = sipZone({ domain: 'vc.example.com', nodes: nodes(2) });
    zone.add({ name: 'alias.vc.example.com', type: 'CNAME', target: 'px01.vc.example.com' });
    server = await DnsServer.start({ address: ADDRESS, port: 0, zone });
    resolver = new Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([`${ADDRESS}:${server.port}`]);
  });
  afterAll(() => server.close());

  it('binds UDP and TCP on the same port when asked for port 0', async () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.address).toBe(ADDRESS);
    const { replies } = await tcpExchange(ADDRESS, server.port, frame(queryBytes('px01.vc.example.com', RR_TYPE.A)), 1);
    expect(decodeMessage(replies[0]!).answers).toMatchObject([{ type: 'A', address: '127.0.2.1' }]);
  });

  it('answers SRV', async () => {
    const srv = await resolver.resolveSrv('_sip._udp.vc.example.com');
    expect(srv).toEqual([
      { name: 'px01.vc.example.com', port: 5060, priority: 10, weight: 10 },
      { name: 'px02.vc.example.com', port: 5060, priority: 10, weight: 10 },
    ]);
    expect(await resolver.resolveSrv('_sips._tcp.VC.EXAMPLE.COM')).toHaveLength(2);
  });

  it('answers A (with TTL) and follows an in-zone CNAME', async () => {
    expect(await resolver.resolve4('px02.vc.example.com', { ttl: true })).toEqual([{ address: '127.0.2.2', ttl: 60 }]);
    expect(await resolver.resolve4('alias.vc.example.com')).toEqual(['127.0.2.1']);
  });

  it('answers NAPTR (RFC 3403) and AAAA', async () => {
    const zone = server.zone;
    zone.add({ name: 'vc.example.com', type: 'NAPTR', order: 10, preference: 5, flags: 'S', service: 'SIPS+D2T', regexp: '', replacement: '_sips._tcp.vc.example.com' });
    zone.add({ name: 'px02.vc.example.com', type: 'AAAA', address: '2001:db8::2' });
    try {
      expect(await resolver.resolveNaptr('vc.example.com')).toEqual([{ flags: 'S', service: 'SIPS+D2T', regexp: '', replacement: '_sips._tcp.vc.example.com', order: 10, preference: 5 }]);
      expect(await resolver.resolve6('px02.vc.example.com')).toEqual(['2001:db8::2']);
    } finally {
      zone.remove('vc.example.com', 'NAPTR');
      zone.remove('px02.vc.example.com', 'AAAA');
    }
  });

  it('reports NXDOMAIN as ENOTFOUND and NODATA as ENODATA', async () => {
    await expect(resolver.resolve4('nope.vc.example.com')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(resolver.resolve6('px01.vc.example.com')).rejects.toMatchObject({ code: 'ENODATA' });
    await expect(resolver.resolve4('_udp.vc.example.com')).rejects.toMatchObject({ code: 'ENODATA' });
  });

  it('refuses names outside its zone', async () => {
    await expect(resolver.resolve4('www.example.org')).rejects.toMatchObject({ code: 'EREFUSED' });
  });

  it('is also understood by dns2\'s UDP client', async () => {
    const res = await UDPClient({ dns: ADDRESS, port: server.port })('_sip._tcp.vc.example.com', 'SRV');
    expect(res.header.aa).toBe(1);
    expect(res.answers.map((a) => a.target)).toEqual(['px01.vc.example.com', 'px02.vc.example.com']);
    expect(res.additionals.map((a) => a.address)).toEqual(['127.0.2.1', '127.0.2.2']);
  });

  it('answers pipelined queries on one TCP connection (RFC 7766 §6.2.1.1)', async () => {
    const bytes = Buffer.concat([frame(queryBytes('px01.vc.example.com', RR_TYPE.A, 1)), frame(queryBytes('px02.vc.example.com', RR_TYPE.A, 2))]);
    // Split the writes mid-frame (and mid-length-prefix) to exercise reassembly.
    const { replies } = await tcpExchange(ADDRESS, server.port, [bytes.subarray(0, 1), bytes.subarray(1, 20), bytes.subarray(20)], 2);
    expect(replies.map((r) => decodeMessage(r).id)).toEqual([1, 2]);
  });

  it('counts queries by type and rcode in dump()', () => {
    const d = server.dump();
    expect(d).toMatchObject({ address: ADDRESS, port: server.port, closed: false, zone: { origin: 'vc.example.com', serial: 6 } }); // 1 + CNAME + 2 adds + 2 removes
    expect(d.queries.byType.SRV).toBeGreaterThanOrEqual(3);
    expect(d.queries.byRcode.NXDOMAIN).toBeGreaterThanOrEqual(1);
    expect(d.queries.byRcode.REFUSED).toBeGreaterThanOrEqual(1);
    expect(d.queries.tcp).toBeGreaterThanOrEqual(3);
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
  });
});

describe('DnsServer truncation and TCP fallback', () => {
  it('sets TC on a large SRV answer and c-ares retries over TCP and gets every record', async () => {
    const server = await DnsServer.start({ address: '127.0.1.2', port: 0, zone: sipZone({ domain: 'vc.example.com', nodes: nodes(60) }) });
    try {
      const resolver = new Resolver({ timeout: 2000, tries: 1 });
      resolver.setServers([`127.0.1.2:${server.port}`]);
      expect(await resolver.resolveSrv('_sip._udp.vc.example.com')).toHaveLength(60);
      expect(server.dump().queries).toMatchObject({ udp: 1, tcp: 1 });
    } finally {
      await server.close();
    }
  });
});

describe('DnsServer A and AAAA over TCP', () => {
  it('sets TC on large A and AAAA RRsets and c-ares retries over TCP and gets every address', async () => {
    const zone = sipZone({ domain: 'vc.example.com', nodes: nodes(1) });
    for (let i = 1; i <= 100; i++) {
      zone.add({ name: 'many.vc.example.com', type: 'A', address: `127.0.3.${i}` });
      zone.add({ name: 'many.vc.example.com', type: 'AAAA', address: `2001:db8::${i.toString(16)}` });
    }
    const server = await DnsServer.start({ address: '127.0.1.7', port: 0, zone });
    try {
      const resolver = new Resolver({ timeout: 2000, tries: 1 });
      resolver.setServers([`127.0.1.7:${server.port}`]);
      expect(await resolver.resolve4('many.vc.example.com')).toHaveLength(100);
      expect(new Set(await resolver.resolve6('many.vc.example.com'))).toContain('2001:db8::64');
      expect(server.dump().queries).toMatchObject({ udp: 2, tcp: 2 });
    } finally {
      await server.close();
    }
  });
});

describe('DnsServer NAPTR over TCP', () => {
  it('sets TC on a large NAPTR answer and c-ares retries over TCP and gets every record', async () => {
    const zone = sipZone({ domain: 'vc.example.com', nodes: nodes(1) });
    for (let i = 0; i < 30; i++) {
      zone.add({ name: 'big.vc.example.com', type: 'NAPTR', order: i, preference: 10, flags: 'U', service: 'E2U+sip', regexp: `!^.*$!sip:user${i}-${'x'.repeat(40)}@vc.example.com!`, replacement: '' });
    }
    const server = await DnsServer.start({ address: '127.0.1.6', port: 0, zone });
    try {
      const resolver = new Resolver({ timeout: 2000, tries: 1 });
      resolver.setServers([`127.0.1.6:${server.port}`]);
      const records = await resolver.resolveNaptr('big.vc.example.com');
      expect(records).toHaveLength(30);
      expect(records.find((r) => r.order === 29)).toMatchObject({ flags: 'U', service: 'E2U+sip', replacement: '' });
      expect(server.dump().queries).toMatchObject({ udp: 1, tcp: 1 });
    } finally {
      await server.close();
    }
  });
});

describe('DnsServer lifecycle', () => {
  it('close() is idempotent, stops both listeners and drops open TCP connections', async () => {
    const server = await DnsServer.start({ address: '127.0.1.3', port: 0, zone: new Zone({ origin: 'vc.example.com' }) });
    const socket = net.connect({ host: '127.0.1.3', port: server.port });
    await new Promise((resolve) => socket.on('connect', resolve));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(server.dump().tcpConnections).toBe(1);
    const closedByServer = new Promise((resolve) => socket.on('close', resolve));
    const first = server.close();
    expect(server.close()).toBe(first);
    expect(server.closed).toBe(true);
    await first;
    await closedByServer;
    expect(server.dump()).toMatchObject({ closed: true, tcpConnections: 0 });
    await expect(new Promise((resolve, reject) => net.connect({ host: '127.0.1.3', port: server.port }).on('connect', resolve).on('error', reject))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('fails with GWSIM_ERR_TRANSPORT when an explicit port is taken', async () => {
    const first = await DnsServer.start({ address: '127.0.1.4', port: 0, zone: new Zone({ origin: 'vc.example.com' }) });
    try {
      const second = DnsServer.start({ address: '127.0.1.4', port: first.port, zone: new Zone({ origin: 'vc.example.com' }) });
      await expect(second).rejects.toBeInstanceOf(GwsimError);
      await expect(second).rejects.toMatchObject({ code: 'GWSIM_ERR_TRANSPORT', message: expect.stringContaining(`127.0.1.4:${first.port}/udp`) });
    } finally {
      await first.close();
    }
  });

  it('releases the UDP port when TCP cannot bind an explicit port', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.1.5', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    const zone = new Zone({ origin: 'vc.example.com' });
    await expect(DnsServer.start({ address: '127.0.1.5', port, zone })).rejects.toMatchObject({ code: 'GWSIM_ERR_TRANSPORT', message: expect.stringContaining(`127.0.1.5:${port}/tcp`) });
    await new Promise((resolve) => blocker.close(resolve));
    const server = await DnsServer.start({ address: '127.0.1.5', port, zone }); // UDP was not leaked
    expect(server.port).toBe(port);
    await server.close();
  });

  // The kernel picks the UDP port, so a real collision cannot be forced; fake the TCP listen failure instead.
  it('retries port 0 with a fresh UDP port when TCP reports EADDRINUSE, up to a limit', async () => {
    const realListen = net.Server.prototype.listen;
    let failures = 3;
    const spy = vi.spyOn(net.Server.prototype, 'listen').mockImplementation(function (this: net.Server, ...args: unknown[]) {
      if (failures-- > 0) {
        process.nextTick(() => this.emit('error', Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' })));
        return this;
      }
      return (realListen as (...a: unknown[]) => net.Server).apply(this, args);
    });
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', sink: (line) => lines.push(line) });
    const zone = new Zone({ origin: 'vc.example.com' });
    try {
      const server = await DnsServer.start({ address: '127.0.1.5', port: 0, zone, logger });
      expect(spy).toHaveBeenCalledTimes(4);
      expect(lines.filter((l) => l.includes('retrying with a new UDP port'))).toHaveLength(3);
      await server.close();
      failures = 1000;
      await expect(DnsServer.start({ address: '127.0.1.5', port: 0, zone })).rejects.toMatchObject({ code: 'GWSIM_ERR_TRANSPORT' });
      expect(spy).toHaveBeenCalledTimes(4 + 20);
    } finally {
      spy.mockRestore();
    }
  });

  it('validates its options with ConfigError', async () => {
    const zone = new Zone({ origin: 'vc.example.com' });
    await expect(DnsServer.start({ address: 'localhost', port: 0, zone })).rejects.toMatchObject({ path: 'address' });
    await expect(DnsServer.start({ address: ADDRESS, port: 70000, zone })).rejects.toMatchObject({ path: 'port' });
    await expect(DnsServer.start({ address: ADDRESS, port: 0, zone: {} as Zone })).rejects.toBeInstanceOf(ConfigError);
  });
});
