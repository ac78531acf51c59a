import { ConfigError } from '@gwsim/common';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TTL, Zone, type RecordInput } from '../src/index.ts';

function zone(records: RecordInput[] = []): Zone {
  return new Zone({
    origin: 'vc.example.com',
    records: [
      { name: 'px01.vc.example.com', type: 'A', address: '127.0.0.11', ttl: 30 },
      { name: '_sip._udp.vc.example.com', type: 'SRV', priority: 10, weight: 10, port: 5060, target: 'px01.vc.example.com' },
      { name: 'alias.vc.example.com', type: 'CNAME', target: 'px01.vc.example.com' },
      ...records,
    ],
  });
}

describe('Zone (RFC 1034 §4.3.2 data)', () => {
  it('looks names up case-insensitively, with or without the trailing dot (RFC 4343)', () => {
    const z = zone();
    const res = z.lookup('PX01.Vc.Example.COM.', 'A');
    expect(res).toEqual({ status: 'answer', records: [{ name: 'px01.vc.example.com', type: 'A', ttl: 30, address: '127.0.0.11' }] });
  });

  it('tells NXDOMAIN from NODATA, empty non-terminals included (RFC 8020)', () => {
    const z = zone();
    expect(z.lookup('nope.vc.example.com', 'A').status).toBe('nxdomain');
    expect(z.lookup('px01.vc.example.com', 'AAAA').status).toBe('nodata');
    expect(z.lookup('_udp.vc.example.com', 'A').status).toBe('nodata');
    expect(z.lookup('vc.example.com', 'A').status).toBe('nodata');
    expect(z.lookup('x.px01.vc.example.com', 'A').status).toBe('nxdomain');
  });

  it('says out-of-zone for names above or beside the origin', () => {
    const z = zone();
    expect(z.lookup('example.com', 'A').status).toBe('out-of-zone');
    expect(z.lookup('xvc.example.com', 'A').status).toBe('out-of-zone');
    expect(z.contains('a.b.VC.example.com')).toBe(true);
  });

  it('reports a CNAME for other types and answers CNAME and ANY directly', () => {
    const z = zone();
    const res = z.lookup('alias.vc.example.com', 'A');
    expect(res.status).toBe('cname');
    expect(res.status === 'cname' && res.cname.target).toBe('px01.vc.example.com');
    expect(z.lookup('alias.vc.example.com', 'CNAME').status).toBe('answer');
    expect(z.lookup('alias.vc.example.com', 'ANY').status).toBe('answer');
  });

  it('has an SOA at the apex with defaults, and TTLs default to the zone TTL', () => {
    const z = zone();
    expect(z.soa).toMatchObject({ name: 'vc.example.com', mname: 'ns.vc.example.com', rname: 'hostmaster.vc.example.com', serial: 1, minimum: DEFAULT_TTL });
    const srv = z.lookup('_sip._udp.vc.example.com', 'SRV');
    expect(srv.status === 'answer' && srv.records[0]!.ttl).toBe(DEFAULT_TTL);
    expect(z.lookup('vc.example.com', 'SOA').status).toBe('answer');
  });

  it('bumps the SOA serial on every change after construction, and removes records', () => {
    const z = zone();
    z.add({ name: 'px02.vc.example.com', type: 'A', address: '127.0.0.12' });
    expect(z.soa.serial).toBe(2);
    expect(z.remove('px02.vc.example.com')).toBe(1);
    expect(z.soa.serial).toBe(3);
    expect(z.lookup('px02.vc.example.com', 'A').status).toBe('nxdomain');
    expect(z.remove('vc.example.com')).toBe(0); // the SOA stays
    expect(z.remove('_sip._udp.vc.example.com', 'A')).toBe(0);
    expect(z.remove('_sip._udp.vc.example.com', 'SRV')).toBe(1);
    expect(z.lookup('_udp.vc.example.com', 'A').status).toBe('nxdomain'); // no longer an empty non-terminal
  });

  it('ignores an identical record (RFC 2181 §5 RRsets have no duplicates)', () => {
    const z = zone();
    const before = z.size;
    z.add({ name: 'px01.vc.example.com', type: 'A', address: '127.0.0.11' });
    expect(z.size).toBe(before);
  });

  it.each<[string, RecordInput, string]>([
    ['bad IPv4', { name: 'x.vc.example.com', type: 'A', address: '300.1.1.1' }, 'record.address'],
    ['bad IPv6', { name: 'x.vc.example.com', type: 'AAAA', address: '127.0.0.1' }, 'record.address'],
    ['bad label', { name: 'x_-.vc.example.com-', type: 'A', address: '1.2.3.4' }, 'record.name'],
    ['outside the zone', { name: 'x.example.org', type: 'A', address: '1.2.3.4' }, 'record.name'],
    ['SRV port too big', { name: '_sip._tcp.vc.example.com', type: 'SRV', priority: 1, weight: 1, port: 70000, target: 'a.vc.example.com' }, 'record.port'],
    ['SRV weight not an integer', { name: '_sip._tcp.vc.example.com', type: 'SRV', priority: 1, weight: 1.5, port: 5060, target: 'a.vc.example.com' }, 'record.weight'],
    ['negative TTL', { name: 'x.vc.example.com', type: 'A', address: '1.2.3.4', ttl: -1 }, 'record.ttl'],
    ['CNAME beside data', { name: 'px01.vc.example.com', type: 'CNAME', target: 'y.vc.example.com' }, 'record.name'],
    ['data beside a CNAME', { name: 'alias.vc.example.com', type: 'TXT', data: ['x'] }, 'record.name'],
    ['TXT string over 255', { name: 'x.vc.example.com', type: 'TXT', data: ['a'.repeat(256)] }, 'record.data[0]'],
    ['NAPTR flags', { name: 'vc.example.com', type: 'NAPTR', order: 1, preference: 1, flags: 's!', service: 'SIP+D2U', regexp: '', replacement: '.' }, 'record.flags'],
    ['unknown type', { name: 'x.vc.example.com', type: 'MX' } as unknown as RecordInput, 'record.type'],
  ])('rejects %s with a ConfigError naming the field', (_what, record, path) => {
    const z = zone();
    let error: unknown;
    try {
      z.add(record);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).path).toBe(path);
    expect((error as ConfigError).code).toBe('GWSIM_ERR_INVALID_CONFIG');
  });

  it('names the index of a bad record given to the constructor', () => {
    expect(() => zone([{ name: 'a.vc.example.com', type: 'A', address: 'nope' }])).toThrow(/^records\[3\]\.address: /);
    expect(() => new Zone({ origin: 'bad..origin' })).toThrow(ConfigError);
    expect(() => new Zone({ origin: 'vc.example.com', ttl: 1.5 })).toThrow(/^ttl: /);
  });

  it('generation changes with every change; clone() is an independent copy with the same SOA', () => {
    const z = zone();
    const g = z.generation;
    z.add({ name: 'px01.vc.example.com', type: 'A', address: '127.0.0.11' }); // identical: no change
    expect(z.generation).toBe(g);
    z.add({ name: 'px02.vc.example.com', type: 'A', address: '127.0.0.12' });
    expect(z.generation).toBeGreaterThan(g);
    const copy = z.clone();
    expect(copy.records()).toEqual(z.records());
    expect(copy.soa).toEqual(z.soa);
    const g2 = z.generation;
    z.remove('px02.vc.example.com');
    expect(z.generation).toBeGreaterThan(g2);
    expect(copy.lookup('px02.vc.example.com', 'A').status).toBe('answer');
  });
});
