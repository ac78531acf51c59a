import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DnsServer, sipZone } from '../src/index.ts';
import { dig, flags, requireDig, section, status } from './support/dig.ts';

const ADDRESS = '127.0.1.10';

// The real ISC dig (Debian dnsutils) as an independent client. It must be installed: a missing dig fails here.
describe('DnsServer queried by dig', () => {
  let server: DnsServer;

  beforeAll(async () => {
    const zone = sipZone({ domain: 'vc.example.com', nodes: [{ name: 'px01', address: '127.0.0.11' }, { name: 'px02', address: '127.0.0.12' }] });
    zone.add({ name: 'vc.example.com', type: 'NAPTR', order: 10, preference: 10, flags: 'S', service: 'SIP+D2U', regexp: '', replacement: '_sip._udp.vc.example.com' });
    zone.add({ name: 'px03.vc.example.com', type: 'AAAA', address: '2001:db8::3' });
    server = await DnsServer.start({ address: ADDRESS, port: 0, zone });
  });
  afterAll(() => server.close());

  it('dig is installed', () => {
    requireDig();
  });

  it.each([['UDP', []], ['TCP', ['+tcp']]])('answers SRV over %s with aa and the targets\' A records as additional data', async (_t, extra) => {
    const out = await dig(ADDRESS, server.port, [...extra, '_sip._udp.vc.example.com', 'SRV']);
    expect(status(out)).toBe('NOERROR');
    expect(flags(out)).toEqual(expect.arrayContaining(['qr', 'aa']));
    expect(flags(out)).not.toContain('ra');
    expect(section(out, 'ANSWER')).toEqual([
      '_sip._udp.vc.example.com. 60 IN SRV 10 10 5060 px01.vc.example.com.',
      '_sip._udp.vc.example.com. 60 IN SRV 10 10 5060 px02.vc.example.com.',
    ]);
    expect(section(out, 'ADDITIONAL')).toEqual(['px01.vc.example.com. 60 IN A 127.0.0.11', 'px02.vc.example.com. 60 IN A 127.0.0.12']);
    expect(out).toContain('EDNS: version: 0, flags:; udp: 1232');
  });

  it.each([['UDP', []], ['TCP', ['+tcp']]])('answers _sips._tcp on 5061 over %s', async (_t, extra) => {
    const out = await dig(ADDRESS, server.port, [...extra, '+short', '_sips._tcp.vc.example.com', 'SRV']);
    expect(out.trim().split('\n')).toEqual(['10 10 5061 px01.vc.example.com.', '10 10 5061 px02.vc.example.com.']);
  });

  it('answers NXDOMAIN with aa and the SOA in authority', async () => {
    const out = await dig(ADDRESS, server.port, ['px99.vc.example.com', 'A']);
    expect(status(out)).toBe('NXDOMAIN');
    expect(flags(out)).toContain('aa');
    // Serial 3: the NAPTR and the AAAA added after construction are two changes.
    expect(section(out, 'AUTHORITY')).toEqual(['vc.example.com. 60 IN SOA ns.vc.example.com. hostmaster.vc.example.com. 3 3600 600 86400 60']);
  });

  it('answers NODATA (NOERROR, no answer) without EDNS too', async () => {
    const out = await dig(ADDRESS, server.port, ['+noedns', 'px01.vc.example.com', 'AAAA']);
    expect(status(out)).toBe('NOERROR');
    expect(section(out, 'ANSWER')).toEqual([]);
    expect(out).not.toContain('EDNS:');
  });

  it.each([
    ['A', 'UDP', [], 'px01.vc.example.com. 60 IN A 127.0.0.11'],
    ['A', 'TCP', ['+tcp'], 'px01.vc.example.com. 60 IN A 127.0.0.11'],
    ['AAAA', 'UDP', [], 'px03.vc.example.com. 60 IN AAAA 2001:db8::3'],
    ['AAAA', 'TCP', ['+tcp'], 'px03.vc.example.com. 60 IN AAAA 2001:db8::3'],
  ])('answers %s over %s', async (type, _t, extra, line) => {
    const out = await dig(ADDRESS, server.port, [...extra, line.split(' ')[0]!, type]);
    expect(flags(out)).toContain('aa');
    expect(section(out, 'ANSWER')).toEqual([line]);
  });

  it.each([['UDP', []], ['TCP', ['+tcp']]])('answers NAPTR over %s with the SRV records and addresses as additional data (RFC 3403)', async (_t, extra) => {
    const out = await dig(ADDRESS, server.port, [...extra, 'vc.example.com', 'NAPTR']);
    expect(section(out, 'ANSWER')).toEqual(['vc.example.com. 60 IN NAPTR 10 10 "S" "SIP+D2U" "" _sip._udp.vc.example.com.']);
    expect(section(out, 'ADDITIONAL')).toHaveLength(4);
  });

  it('refuses out-of-zone names without aa', async () => {
    const out = await dig(ADDRESS, server.port, ['www.example.org', 'A']);
    expect(status(out)).toBe('REFUSED');
    expect(flags(out)).not.toContain('aa');
  });

  it('answers BADVERS to EDNS version 1 (RFC 6891 §6.1.3)', async () => {
    const out = await dig(ADDRESS, server.port, ['+edns=1', '+noednsnegotiation', 'px01.vc.example.com', 'A']);
    expect(status(out)).toBe('BADVERS');
  });
});
