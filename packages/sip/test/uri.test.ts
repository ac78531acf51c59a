import { describe, expect, it } from 'vitest';
import {
  formatNameAddr,
  formatUri,
  formatVia,
  parseCallId,
  parseCSeq,
  parseDeltaSeconds,
  parseMaxForwards,
  parseMediaType,
  parseNameAddr,
  parseSipDate,
  parseTokenList,
  parseUri,
  parseVia,
  parseWarning,
  responseAddress,
  SipParseError,
  stampReceived,
  uriEquals,
} from '../src/index.ts';

const eq = (a: string, b: string) => uriEquals(parseUri(a), parseUri(b));

describe('SIP and SIPS URIs (RFC 3261 §19.1)', () => {
  it('parses escapes, password, IPv6 host, port, params and headers', () => {
    const u = parseUri('sips:al%69ce:p%40ss@[2001:db8::1]:5061;transport=tcp;lr;Maddr=239.255.255.1?subject=hi%20there&priority=urgent');
    expect(u).toMatchObject({ scheme: 'sips', user: 'alice', password: 'p@ss', host: '[2001:db8::1]', port: 5061 });
    expect([...u.params]).toEqual([['transport', 'tcp'], ['lr', null], ['maddr', '239.255.255.1']]);
    expect([...u.headers]).toEqual([['subject', 'hi there'], ['priority', 'urgent']]);
  });

  it('lets the user part carry ; ? / and escaped @ (RFC 4475 §3.1.1.9)', () => {
    const u = parseUri('sip:user;par=u%40example.net@example.com;transport=udp');
    expect([u.user, u.host, u.params.get('transport')]).toEqual(['user;par=u@example.net', 'example.com', 'udp']);
    expect(parseUri('sip:+1-212-555-1212;phone-context=x?y@gw.example.com').user).toBe('+1-212-555-1212;phone-context=x?y');
  });

  it('formats with the escaping the grammar requires, and round-trips', () => {
    const texts = [
      'sip:%00@h',
      'sip:a%20b:%3a@h;na%3bme=v%25al;flag?Route=%3Csip:x%3E&X=a%26b',
      'sips:[2001:db8::10]:5070;transport=tls',
      'tel:+1-201-555-0123;phone-context=example.com',
      'urn:service:sos',
    ];
    for (const t of texts) {
      const u = parseUri(t);
      expect(parseUri(formatUri(u))).toEqual(u);
    }
    expect(formatUri(parseUri('sip:a%20b:%3a@h;na%3bme=v%25al?Route=%3Csip:x%3E'))).toBe('sip:a%20b:%3A@h;na%3Bme=v%25al?Route=%3Csip:x%3E');
  });

  it('parses tel URIs (RFC 3966) and keeps other schemes opaque', () => {
    expect(parseUri('tel:+1-201-555-0123;phone-context=example.com')).toMatchObject({ scheme: 'tel', user: '+1-201-555-0123', opaque: '+1-201-555-0123' });
    expect(parseUri('tel:*67#;phone-context=+1').user).toBe('*67#');
    expect(parseUri('http://example.com/x')).toMatchObject({ scheme: 'absolute', rawScheme: 'http', opaque: '//example.com/x' });
    expect(() => parseUri('tel:abc!')).toThrow(/bad telephone number/);
  });

  it.each([
    ['sip:a@b.example:99999', /port 99999 out of range/],
    ['sip:a@b.example:', /bad port/],
    ['sip:a@b_exa!mple', /character "!" not allowed in URI host/],
    ['sip:2001:db8::10', /IPv6 address in URI host "2001:db8::10" must be enclosed/],
    ['sip:[2001:db8::10', /unterminated IPv6 reference/],
    ['sip:[zz::1]', /bad IPv6 reference/],
    ['sip:@h', /empty user part/],
    ['sip:a%zzb@h', /bad %-escape "%zz"/],
    ['sip:a b@h', /contains whitespace/],
    ['sip:a@h;;x', /empty URI parameter/],
    ['sip:a@h;x=', /without a value/],
    ['sip:a@h?x', /bad URI header "x"/],
    ['sip:é@h', /character U\+00E9/],
    ['nocolon', /no scheme/],
    ['1sip:a@b', /no scheme/],
  ])('rejects %s', (text, re) => {
    expect(() => parseUri(text)).toThrow(SipParseError);
    expect(() => parseUri(text)).toThrow(re);
  });

  it('compares by the rules of §19.1.4', () => {
    expect(eq('sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp')).toBe(true);
    expect(eq('sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5')).toBe(true);
    expect(eq('sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;newparam=5')).toBe(true);
    expect(eq('sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com', 'sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com')).toBe(true);
    expect(eq('sip:alice@atlanta.com?subject=project%20x&priority=urgent', 'sip:alice@atlanta.com?priority=urgent&subject=project%20x')).toBe(true);
    expect(eq('SIP:ALICE@AtLanTa.CoM;Transport=udp', 'sip:alice@AtLanTa.CoM;Transport=UDP')).toBe(false); // user is case-sensitive
    expect(eq('sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060')).toBe(false);
    expect(eq('sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp')).toBe(false);
    expect(eq('sip:bob@biloxi.com', 'sips:bob@biloxi.com')).toBe(false);
    expect(eq('sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;security=off')).toBe(false);
    expect(eq('sip:carol@chicago.com', 'sip:carol@chicago.com?Subject=next%20meeting')).toBe(false);
    expect(eq('tel:+1-201-555-0123', 'tel:+1.201.555.0123')).toBe(true);
    expect(eq('tel:+12015550123', 'tel:+12015550124')).toBe(false);
  });
});

describe('name-addr and addr-spec (§20.10, §25.1)', () => {
  it('parses quoted display names with quoted-pairs and UTF-8, and tokens without LWS before <', () => {
    expect(parseNameAddr('"A \\"B\\" \\\\ C" <sip:a@b>').displayName).toBe('A "B" \\ C');
    expect(parseNameAddr('"Zoë 佐藤"<sip:a@b>').displayName).toBe('Zoë 佐藤');
    expect(parseNameAddr('caller<sip:a@b>;tag=1').displayName).toBe('caller');
    expect(parseNameAddr('  A. Bell   <sip:a@b>').displayName).toBe('A. Bell');
    expect(parseNameAddr('<sip:a@b>').displayName).toBeNull();
    expect(parseNameAddr('""<sip:a@b>').displayName).toBe('');
  });

  it('gives URI parameters to the URI inside <> and header parameters to the header', () => {
    const na = parseNameAddr('<sip:bob@b.example;transport=udp>;tag=abc;expires=60;+sip.instance="<urn:uuid:1;x>";Q = 0.5');
    expect(na.uri.params.get('transport')).toBe('udp');
    expect([...na.params]).toEqual([['tag', 'abc'], ['expires', '60'], ['+sip.instance', '"<urn:uuid:1;x>"'], ['q', '0.5']]);
    const spec = parseNameAddr('sip:bob@b.example;transport=udp ; tag = abc');
    expect(spec.uri.params.size).toBe(0);
    expect([...spec.params]).toEqual([['transport', 'udp'], ['tag', 'abc']]);
  });

  it('formats with <> and quotes, and round-trips', () => {
    for (const t of ['"A \\"B\\"" <sip:a@b;lr>;tag=1', 'sip:a@b;tag=x', 'Bob <tel:+1234;ext=5>;expires=3', '"\\\x00\\\x07" <sip:a@b>']) {
      const na = parseNameAddr(t);
      expect(parseNameAddr(formatNameAddr(na))).toEqual(na);
    }
    expect(formatNameAddr(parseNameAddr('sip:a@b;tag=x'))).toBe('<sip:a@b>;tag=x');
  });

  it.each([
    ['"unterminated <sip:a@b>', /unterminated quoted string in display name/],
    ['"Bob" sip:a@b', /not followed by <URI>/],
    ['Bell, Alexander <sip:a@b>', /display name "Bell, Alexander" has characters that require quotes/],
    ['< sip:a@b >', /whitespace inside "<" ">"/],
    ['<sip:a@b', /unterminated <URI>/],
    ['<>', /empty <URI>/],
    ['sip:a@b?Route=x', /contains "\?" and must be enclosed/],
    ['sip:a @b', /whitespace inside addr-spec/],
    ['<sip:a@b>;;tag=1', /empty parameter/],
    ['<sip:a@b>;tag=', /has no value/],
    ['<sip:a@b>;x="open', /unterminated quoted value/],
    ['<sip:a@b> junk', /where a ";" parameter was expected/],
  ])('rejects %s', (text, re) => {
    expect(() => parseNameAddr(text)).toThrow(re);
  });
});

describe('Via (§20.42, RFC 3581)', () => {
  it('parses LWS around "/" ":" ";" and "=", IPv6 sent-by, rport and received', () => {
    const v = parseVia('SIP / 2.0 / udp  [2001:db8::9:1] : 5070 ; branch = z9hG4bK1 ; rport ; received=[2001:db8::9:255]');
    expect(v).toMatchObject({ protocol: 'SIP/2.0', transport: 'UDP', host: '[2001:db8::9:1]', port: 5070, branch: 'z9hG4bK1' });
    expect([...v.params]).toEqual([['branch', 'z9hG4bK1'], ['rport', null], ['received', '[2001:db8::9:255]']]);
    expect(parseVia(formatVia(v))).toEqual(v);
    expect(parseVia('SIP/7.0/UDP h').protocol).toBe('SIP/7.0');
  });

  it('stamps received/rport and picks the response address (§18.2.2, RFC 3581 §4)', () => {
    const v = parseVia('SIP/2.0/UDP [2001:db8::1];rport;branch=z9hG4bK1');
    expect(stampReceived(v, { address: '2001:db8::99', port: 6000 })).toBe(true);
    expect(formatVia(v)).toBe('SIP/2.0/UDP [2001:db8::1];rport=6000;branch=z9hG4bK1;received=2001:db8::99');
    expect(responseAddress(v)).toEqual({ address: '2001:db8::99', port: 6000 });
    expect(responseAddress(parseVia('SIP/2.0/UDP h;received=[2001:db8::2]'))).toEqual({ address: '2001:db8::2', port: 5060 });
    expect(responseAddress(parseVia('SIP/2.0/TLS h'))).toEqual({ address: 'h', port: 5061 });
  });

  it.each([
    ['SIP/2.0 h', /expected protocol-name\/version\/transport/],
    ['SIP/2.0/UDPh', /no whitespace between the transport and sent-by/],
    ['SIP/2.0/UDP ', /missing sent-by host/],
    ['SIP/2.0/UDP h:99999', /port 99999 out of range/],
    ['SIP/2.0/UDP h;;branch=1', /empty parameter/],
    ['SIP/2.0/UDP h;rport=x', /bad rport "x"/],
    ['SIP/2.0/UDP h x', /unexpected "x" after sent-by/],
  ])('rejects %s', (text, re) => {
    expect(() => parseVia(text)).toThrow(re);
  });
});

describe('scalar and list header values (§20)', () => {
  it('CSeq, Max-Forwards, Call-ID, delta-seconds', () => {
    expect(parseCSeq(' 0009 \t INVITE ')).toEqual({ seq: 9, method: 'INVITE' });
    expect(parseCSeq('4294967295 BYE').seq).toBe(4294967295);
    expect(() => parseCSeq('4294967296 BYE')).toThrow(/exceeds 2\*\*32-1/);
    expect(() => parseCSeq('1INVITE')).toThrow(/bad CSeq/);
    expect(() => parseCSeq('1 INVITE x')).toThrow(/bad method/);
    expect(parseMaxForwards('0068')).toBe(68);
    expect(() => parseMaxForwards('-1')).toThrow(/bad Max-Forwards/);
    expect(parseCallId(' a84b4c76e66710@pc33.atlanta.com ')).toBe('a84b4c76e66710@pc33.atlanta.com');
    expect(() => parseCallId('a b')).toThrow(/bad Call-ID/);
    expect(() => parseCallId('a@b@c')).toThrow(/bad Call-ID/);
    expect(parseDeltaSeconds('10000000000000000000000')).toBe(4294967295); // RFC 4475 §3.1.2.4: clamp, not reject
    expect(() => parseDeltaSeconds('1h')).toThrow(/bad Expires/);
  });

  it('Date (RFC 1123, GMT only), Warning, media types and option-tag lists', () => {
    expect(parseSipDate('Sat, 13 Nov 2010 23:29:00 GMT').toISOString()).toBe('2010-11-13T23:29:00.000Z');
    expect(() => parseSipDate('Fri, 01 Jan 2010 16:00:00 EST')).toThrow(/time zone must be GMT/);
    expect(() => parseSipDate('Mon, 13 Nov 2010 23:29:00 GMT')).toThrow(/is not a Mon/);
    expect(parseWarning('399 gw.example.com "Accept \\"x\\" missing"')).toEqual({ code: 399, agent: 'gw.example.com', text: 'Accept "x" missing' });
    expect(() => parseWarning('1812 overture "In Progress"')).toThrow(/warn-code 1812 is not three digits/);
    const mt = parseMediaType('Multipart/Mixed ; boundary="a b;c" ; charset=UTF-8');
    expect([mt.type, mt.subtype, [...mt.params]]).toEqual(['multipart', 'mixed', [['boundary', 'a b;c'], ['charset', 'UTF-8']]]);
    expect(() => parseMediaType('application')).toThrow(/expected type\/subtype/);
    expect(parseTokenList('timer, 100rel ,replaces', 'Supported')).toEqual(['timer', '100rel', 'replaces']);
    expect(() => parseTokenList('timer, a b', 'Require')).toThrow(/"a b" is not a token/);
  });
});
