import { describe, expect, it } from 'vitest';
import { answerQuery, decodeMessage, emptyMessage, encodeForUdp, RCODE, RR_CLASS, RR_TYPE, sipZone, type DnsMessage, type OptRecord } from '../src/index.ts';

const zone = sipZone({ domain: 'vc.example.com', nodes: [{ name: 'px01', address: '127.0.0.11' }, { name: 'px02', address: '::2' }] });
zone.add({ name: 'alias.vc.example.com', type: 'CNAME', target: 'px01.vc.example.com' });
zone.add({ name: 'chain.vc.example.com', type: 'CNAME', target: 'alias.vc.example.com' });
zone.add({ name: 'away.vc.example.com', type: 'CNAME', target: 'www.example.org' });
zone.add({ name: 'dangling.vc.example.com', type: 'CNAME', target: 'gone.vc.example.com' });
zone.add({ name: 'loop1.vc.example.com', type: 'CNAME', target: 'loop2.vc.example.com' });
zone.add({ name: 'loop2.vc.example.com', type: 'CNAME', target: 'loop1.vc.example.com' });
zone.add({ name: 'vc.example.com', type: 'NAPTR', order: 10, preference: 10, flags: 'S', service: 'SIP+D2T', regexp: '', replacement: '_sip._tcp.vc.example.com' });

const OPT: OptRecord = { name: '', type: 'OPT', udpPayloadSize: 4096, extendedRcode: 0, version: 0, dnssecOk: false, options: Buffer.alloc(0) };

function query(name: string, type: number, extra: Partial<DnsMessage> = {}): DnsMessage {
  return { ...emptyMessage(42), rd: true, questions: [{ name, type, class: RR_CLASS.IN }], ...extra };
}
const summary = (records: DnsMessage['answers']) => records.map((r) => `${r.name} ${String(r.type)}`);

describe('answerQuery (RFC 1034 §4.3.2)', () => {
  it('answers SRV authoritatively with the targets\' A/AAAA in the additional section', () => {
    const res = answerQuery(zone, query('_sip._udp.VC.example.com', RR_TYPE.SRV));
    expect(res).toMatchObject({ id: 42, qr: true, aa: true, rd: true, ra: false, rcode: RCODE.NOERROR });
    expect(res.questions[0]!.name).toBe('_sip._udp.VC.example.com');
    expect(summary(res.answers)).toEqual(['_sip._udp.vc.example.com SRV', '_sip._udp.vc.example.com SRV']);
    expect(summary(res.additionals)).toEqual(['px01.vc.example.com A', 'px02.vc.example.com AAAA']);
  });

  it('answers NXDOMAIN and NODATA with the SOA in authority, TTL = min(SOA TTL, minimum) (RFC 2308 §3)', () => {
    const nx = answerQuery(zone, query('nope.vc.example.com', RR_TYPE.A));
    expect(nx).toMatchObject({ aa: true, rcode: RCODE.NXDOMAIN, answers: [] });
    expect(nx.authorities).toMatchObject([{ type: 'SOA', name: 'vc.example.com', ttl: 60 }]);
    const nodata = answerQuery(zone, query('px01.vc.example.com', RR_TYPE.AAAA));
    expect(nodata).toMatchObject({ aa: true, rcode: RCODE.NOERROR, answers: [] });
    expect(nodata.authorities).toHaveLength(1);
    expect(answerQuery(zone, query('px01.vc.example.com', 99)).rcode).toBe(RCODE.NOERROR); // unknown type: NODATA
  });

  it('chases in-zone CNAMEs, stops at the zone edge, and reports the last link\'s rcode (RFC 6604)', () => {
    expect(summary(answerQuery(zone, query('chain.vc.example.com', RR_TYPE.A)).answers)).toEqual([
      'chain.vc.example.com CNAME', 'alias.vc.example.com CNAME', 'px01.vc.example.com A',
    ]);
    const away = answerQuery(zone, query('away.vc.example.com', RR_TYPE.A));
    expect(away).toMatchObject({ rcode: RCODE.NOERROR, aa: true });
    expect(summary(away.answers)).toEqual(['away.vc.example.com CNAME']);
    expect(answerQuery(zone, query('dangling.vc.example.com', RR_TYPE.A)).rcode).toBe(RCODE.NXDOMAIN);
    expect(answerQuery(zone, query('loop1.vc.example.com', RR_TYPE.A)).answers).toHaveLength(2);
    expect(summary(answerQuery(zone, query('alias.vc.example.com', RR_TYPE.CNAME)).answers)).toEqual(['alias.vc.example.com CNAME']);
  });

  it('adds the SRV RRset and addresses for a NAPTR "S" record (RFC 3403 §4.1)', () => {
    const res = answerQuery(zone, query('vc.example.com', RR_TYPE.NAPTR));
    expect(summary(res.additionals)).toEqual([
      '_sip._tcp.vc.example.com SRV', '_sip._tcp.vc.example.com SRV', 'px01.vc.example.com A', 'px02.vc.example.com AAAA',
    ]);
  });

  it.each([
    ['a name outside the zone', query('example.org', RR_TYPE.A), RCODE.REFUSED],
    ['class CH', { ...query('vc.example.com', RR_TYPE.TXT), questions: [{ name: 'vc.example.com', type: RR_TYPE.TXT, class: 3 }] }, RCODE.REFUSED],
    ['AXFR', query('vc.example.com', 252), RCODE.REFUSED],
    ['opcode STATUS', query('vc.example.com', RR_TYPE.A, { opcode: 2 }), RCODE.NOTIMP],
    ['two questions', { ...query('vc.example.com', RR_TYPE.A), questions: [query('a.vc.example.com', 1).questions[0]!, query('b.vc.example.com', 1).questions[0]!] }, RCODE.FORMERR],
    ['no question', { ...emptyMessage(42) }, RCODE.FORMERR],
    ['two OPT records', query('vc.example.com', RR_TYPE.A, { additionals: [OPT, OPT] }), RCODE.FORMERR],
    ['EDNS version 1', query('vc.example.com', RR_TYPE.A, { additionals: [{ ...OPT, version: 1 }] }), RCODE.BADVERS],
  ])('answers %s with the right rcode and no data', (_what, q, rcode) => {
    const res = answerQuery(zone, q);
    expect(res.rcode).toBe(rcode);
    expect(res.answers).toEqual([]);
    expect(res.aa).toBe(false);
  });

  it('echoes EDNS with our payload size (RFC 6891 §6.1.1)', () => {
    const res = answerQuery(zone, query('px01.vc.example.com', RR_TYPE.A, { additionals: [OPT] }));
    expect(res.additionals).toMatchObject([{ type: 'OPT', udpPayloadSize: 1232, version: 0 }]);
    expect(answerQuery(zone, query('px01.vc.example.com', RR_TYPE.A)).additionals).toEqual([]);
  });
});

describe('encodeForUdp (RFC 1035 §4.2.1, RFC 2181 §9)', () => {
  const big = sipZone({ domain: 'vc.example.com', nodes: Array.from({ length: 11 }, (_, i) => ({ name: `px${i}`, address: `127.0.2.${i + 1}` })) });
  const huge = sipZone({ domain: 'vc.example.com', nodes: Array.from({ length: 40 }, (_, i) => ({ name: `px${i}`, address: `127.0.2.${i + 1}` })) });

  it('drops the additional section first, without setting TC', () => {
    const res = answerQuery(big, query('_sip._udp.vc.example.com', RR_TYPE.SRV));
    const wire = encodeForUdp(res, 512);
    const out = decodeMessage(wire);
    expect(wire.length).toBeLessThanOrEqual(512);
    expect(out.tc).toBe(false);
    expect(out.answers).toHaveLength(11);
    expect(out.additionals).toHaveLength(0);
    expect(decodeMessage(encodeForUdp(res, 1232)).additionals).toHaveLength(11);
  });

  it('sets TC and keeps only the question when the answers do not fit', () => {
    const out = decodeMessage(encodeForUdp(answerQuery(huge, query('_sip._udp.vc.example.com', RR_TYPE.SRV)), 512));
    expect(out).toMatchObject({ tc: true, aa: true, answers: [], authorities: [] });
    expect(out.questions).toHaveLength(1);
  });
});
