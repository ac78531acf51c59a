import { fileURLToPath } from 'node:url';
import { ConfigError } from '@gwsim/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DnsServer, loadZoneFile, parseZoneFile, SipResolver, Zone, ZoneFileError } from '../src/index.ts';
import { dig, section } from './support/dig.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/vc.example.com.zone', import.meta.url));
const ADDRESS = '127.0.23.40';

const rrs = (zone: Zone) =>
  zone.records().map((r) => {
    const { name, type, ttl, ...rdata } = r;
    return `${name} ${ttl} ${type} ${Object.values(rdata).map((v) => (Array.isArray(v) ? v.join('|') : String(v))).join(' ')}`;
  });

describe('parseZoneFile / loadZoneFile (RFC 1035 §5 master files, BIND subset)', () => {
  it('loads the fixture: $ORIGIN, $TTL with units, @, relative and absolute names, omitted owners, parentheses, comments', async () => {
    const zone = await loadZoneFile(FIXTURE);
    expect(zone.origin).toBe('vc.example.com');
    expect(zone.ttl).toBe(300);
    expect(zone.soa).toEqual({
      name: 'vc.example.com', type: 'SOA', ttl: 3600, mname: 'ns.vc.example.com', rname: 'hostmaster.vc.example.com',
      serial: 2026010101, refresh: 3600, retry: 600, expire: 86400, minimum: 30,
    });
    expect(rrs(zone)).toEqual([
      'vc.example.com 3600 SOA ns.vc.example.com hostmaster.vc.example.com 2026010101 3600 600 86400 30',
      'vc.example.com 300 NAPTR 10 10 S SIPS+D2T  _sips._tcp.vc.example.com',
      'vc.example.com 300 NAPTR 20 10 s SIP+D2T  _sip._tcp.vc.example.com',
      'vc.example.com 300 NAPTR 30 10 S SIP+D2U  _sip._udp.vc.example.com',
      'vc.example.com 300 TXT v=gwsim1|two"quoted" words|plain;semi',
      '_sip._udp.vc.example.com 300 SRV 10 10 5060 px01.vc.example.com',
      '_sip._udp.vc.example.com 300 SRV 10 10 5060 px02.vc.example.com',
      '_sip._tcp.vc.example.com 300 SRV 10 10 5060 px01.vc.example.com',
      '_sip._tcp.vc.example.com 300 SRV 10 10 5060 px02.vc.example.com',
      '_sips._tcp.vc.example.com 60 SRV 10 10 5061 px01.vc.example.com',
      '_sips._tcp.vc.example.com 60 SRV 10 10 5061 px02.vc.example.com',
      '_h323cs._tcp.vc.example.com 300 SRV 10 10 1720 px01.vc.example.com',
      'px01.vc.example.com 300 A 127.0.0.11',
      'px01.vc.example.com 300 AAAA ::1',
      'px02.vc.example.com 300 A 127.0.0.12',
      'www.vc.example.com 300 CNAME px01.vc.example.com',
      'edge.lab.vc.example.com 300 A 127.0.0.13',
    ]);
    expect(zone.soa.serial).toBe(2026010101); // loading is not a change
  });

  it('takes the origin from options when the file has neither SOA nor $ORIGIN, and TTLs from options', () => {
    const zone = parseZoneFile('px01 A 127.0.0.11\n@ 10 TXT hello\n', { origin: 'vc.example.com', ttl: 45 });
    expect(rrs(zone)).toEqual(['vc.example.com 45 SOA ns.vc.example.com hostmaster.vc.example.com 1 3600 600 86400 45', 'vc.example.com 10 TXT hello', 'px01.vc.example.com 45 A 127.0.0.11']);
    expect(parseZoneFile('$ORIGIN vc.example.com.\n$TTL 1w\nx IN 1d2h A 192.0.2.1\n').records()[1]).toMatchObject({ ttl: 93600 });
  });

  it.each<[string, string, RegExp]>([
    ['an unsupported type', '$ORIGIN vc.example.com.\npx01 MX 10 mail\n', /^test\.zone:2: unsupported record type "MX" \(allowed: SOA, A, AAAA, CNAME, SRV, NAPTR, TXT\)$/],
    ['NS (not modelled)', '$ORIGIN vc.example.com.\n@ NS ns1\n', /^test\.zone:2: unsupported record type "NS"/],
    ['a bad address', '$ORIGIN vc.example.com.\n\npx01 A 127.0.0\n', /^test\.zone:3: A address: "127\.0\.0" is not an IPv4 address$/],
    ['a name outside the zone', '$ORIGIN vc.example.com.\n$TTL 60\n@ SOA ns hm 1 1 1 1 1\nwww.example.org. A 192.0.2.1\n', /^test\.zone:4: A name: "www\.example\.org" is outside zone "vc\.example\.com"$/],
    ['a missing SRV field', '$ORIGIN vc.example.com.\n_sip._udp SRV 10 10 px01\n', /^test\.zone:2: SRV takes 4 fields \(priority weight port target\), got 3$/],
    ['a port out of range', '$ORIGIN vc.example.com.\n_sip._udp SRV 10 10 70000 px01\n', /^test\.zone:2: SRV port must be an integer from 0 to 65535, got "70000"$/],
    ['a relative name without origin', 'px01 A 127.0.0.1\n', /^test\.zone:1: relative name "px01" used before any \$ORIGIN/],
    ['a blank-owner first record', '$ORIGIN vc.example.com.\n  A 127.0.0.1\n', /^test\.zone:2: the first record must name its owner/],
    ['$INCLUDE', '$INCLUDE other.zone\n', /^test\.zone:1: unsupported directive \$INCLUDE \(allowed: \$ORIGIN, \$TTL\)$/],
    ['an unclosed parenthesis', '$ORIGIN vc.example.com.\n@ SOA ns hm (\n 1 2 3\n', /^test\.zone:2: "\(" is never closed$/],
    ['an unterminated string', '$ORIGIN vc.example.com.\n@ TXT "abc\n', /^test\.zone:2: unterminated quoted string/],
    ['a bad TTL', '$TTL 5x\n', /^test\.zone:1: \$TTL must be a TTL \(seconds, or BIND units like 1h30m: s m h d w\), got "5x"$/],
    ['class CH', '$ORIGIN vc.example.com.\nx CH A 127.0.0.1\n', /^test\.zone:2: class CH is not supported \(only IN\)$/],
    ['two SOAs', '$ORIGIN vc.example.com.\n@ SOA ns hm 1 1 1 1 1\n@ SOA ns hm 2 1 1 1 1\n', /^test\.zone:3: a second SOA record \(the first is on line 2\)$/],
    ['a SOA below the apex', '$ORIGIN vc.example.com.\nsub SOA ns hm 1 1 1 1 1\n', /^test\.zone:2: the SOA owner sub\.vc\.example\.com is not the zone apex vc\.example\.com$/],
    ['CNAME beside other data', '$ORIGIN vc.example.com.\nx A 127.0.0.1\nx CNAME y\n', /^test\.zone:3: CNAME name: "x\.vc\.example\.com" cannot hold a CNAME and other data/],
    ['no origin at all', '; empty\n', /^test\.zone:1: no zone origin/],
  ])('reports %s with file:line and what is allowed', (_what, text, message) => {
    const err = (() => {
      try {
        parseZoneFile(text, { file: 'test.zone' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ZoneFileError);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ZoneFileError).message).toMatch(message);
    expect((err as ZoneFileError).file).toBe('test.zone');
  });

  it('says which file could not be read', async () => {
    await expect(loadZoneFile('/nonexistent/x.zone')).rejects.toMatchObject({ code: 'GWSIM_ERR_INVALID_CONFIG', message: expect.stringContaining('cannot read zone file /nonexistent/x.zone') });
  });
});

describe('a zone loaded from a file, served and resolved', () => {
  let server: DnsServer;
  beforeAll(async () => {
    server = await DnsServer.start({ address: ADDRESS, port: 0, zone: await loadZoneFile(FIXTURE) });
  });
  afterAll(() => server.close());

  it('dig sees the file\'s NAPTR and SRV records', async () => {
    expect(section(await dig(ADDRESS, server.port, ['vc.example.com', 'NAPTR']), 'ANSWER')).toEqual([
      'vc.example.com. 300 IN NAPTR 10 10 "S" "SIPS+D2T" "" _sips._tcp.vc.example.com.',
      'vc.example.com. 300 IN NAPTR 20 10 "s" "SIP+D2T" "" _sip._tcp.vc.example.com.',
      'vc.example.com. 300 IN NAPTR 30 10 "S" "SIP+D2U" "" _sip._udp.vc.example.com.',
    ]);
    expect(section(await dig(ADDRESS, server.port, ['+tcp', '_h323cs._tcp.vc.example.com', 'SRV']), 'ANSWER')).toEqual(['_h323cs._tcp.vc.example.com. 300 IN SRV 10 10 1720 px01.vc.example.com.']);
  });

  it('the resolver follows its NAPTR to the most preferred supported transport', async () => {
    const r = new SipResolver({ servers: [{ address: ADDRESS, port: server.port }], random: () => 0 });
    expect((await r.resolve({ host: 'vc.example.com' })).map((t) => `${t.transport}:${t.address}:${t.port}:${t.source}`)).toEqual([
      'tls:127.0.0.11:5061:naptr', 'tls:::1:5061:naptr', 'tls:127.0.0.12:5061:naptr',
    ]);
    const udpOnly = new SipResolver({ servers: [{ address: ADDRESS, port: server.port }], random: () => 0, transports: ['udp'] });
    expect((await udpOnly.resolve({ host: 'vc.example.com' })).map((t) => `${t.transport}:${t.address}:${t.port}`)).toEqual(['udp:127.0.0.11:5060', 'udp:::1:5060', 'udp:127.0.0.12:5060']);
  });
});
