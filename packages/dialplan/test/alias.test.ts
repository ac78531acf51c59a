import { describe, expect, it } from 'vitest';
import { parseAlias, type ParsedAlias } from '../src/index.ts';

type Expected = Partial<Omit<ParsedAlias, 'raw'>>;

// [raw, expected fields]; `parsed` is Pexip's default match form.
const CASES: [string, Expected][] = [
  // DOMAIN.md / Pexip examples
  ['sip:alice@example.com;transport=tls', { scheme: 'sip', user: 'alice', host: 'example.com', hostIsIp: false, params: { transport: 'tls' }, parsed: 'alice@example.com' }],
  ['sip:1234567890123@127.0.0.11:5060', { scheme: 'sip', user: '1234567890123', host: '127.0.0.11', port: 5060, hostIsIp: true, parsed: '1234567890123' }],
  ['1234567890123@10.1.1.1', { scheme: null, user: '1234567890123', host: '10.1.1.1', hostIsIp: true, parsed: '1234567890123' }],
  // bare aliases
  ['1234567890123', { scheme: null, user: '1234567890123', host: null, hostIsIp: false, parsed: '1234567890123' }],
  ['alice@example.com', { scheme: null, user: 'alice', host: 'example.com', parsed: 'alice@example.com' }],
  ['  1234567890123@vc.example.com  ', { user: '1234567890123', host: 'vc.example.com', parsed: '1234567890123@vc.example.com' }],
  ['1234;foo=bar', { user: '1234', params: { foo: 'bar' }, parsed: '1234' }],
  ['what?', { user: 'what?', parsed: 'what?' }],
  // schemes, case-insensitive
  ['SIP:alice@example.com', { scheme: 'sip', parsed: 'alice@example.com' }],
  ['Sips:alice@example.com:5061', { scheme: 'sips', host: 'example.com', port: 5061, parsed: 'alice@example.com' }],
  ['sips:bob:secret@Example.COM:5061?subject=hi', { scheme: 'sips', user: 'bob', host: 'Example.COM', port: 5061, parsed: 'bob@Example.COM' }],
  ['h323:1234567890123', { scheme: 'h323', user: '1234567890123', host: null, parsed: '1234567890123' }],
  ['h323:room@10.0.0.5:1720', { scheme: 'h323', user: 'room', host: '10.0.0.5', port: 1720, hostIsIp: true, parsed: 'room' }],
  ['mailto:alice@example.com', { scheme: null, user: 'mailto', host: 'example.com', parsed: 'mailto@example.com' }],
  // tel: (RFC 3966)
  ['tel:+1-201-555-0123', { scheme: 'tel', user: '+1-201-555-0123', host: null, parsed: '+1-201-555-0123' }],
  ['tel:7042;phone-context=example.com', { scheme: 'tel', user: '7042', params: { 'phone-context': 'example.com' }, parsed: '7042' }],
  ['TEL:%2B4712345678', { scheme: 'tel', user: '+4712345678', parsed: '+4712345678' }],
  // URI parameters and headers
  ['sip:alice@example.com;transport=TCP;lr;Maddr=10.0.0.1', { params: { transport: 'TCP', lr: null, maddr: '10.0.0.1' }, parsed: 'alice@example.com' }],
  ['sip:alice@example.com;transport=tls;transport=udp', { params: { transport: 'tls' } }],
  ['sip:alice@example.com?Subject=x&Priority=urgent', { params: {}, host: 'example.com', parsed: 'alice@example.com' }],
  ['sip:+4712345678;phone-context=+47@gw.example.com;user=phone', { user: '+4712345678;phone-context=+47', params: { user: 'phone' }, parsed: '+4712345678;phone-context=+47@gw.example.com' }],
  ['sip:alice@example.com;__proto__=x', { params: { ['__proto__']: 'x' } }],
  // hosts: IPv4, IPv6, ports, domains
  ['sip:alice@example.com:5060', { host: 'example.com', port: 5060, hostIsIp: false, parsed: 'alice@example.com' }],
  ['sip:1234567890123@[2001:db8::1]', { host: '[2001:db8::1]', port: null, hostIsIp: true, parsed: '1234567890123' }],
  ['sip:1234567890123@[2001:db8::1]:5061;transport=tls', { host: '[2001:db8::1]', port: 5061, hostIsIp: true, parsed: '1234567890123' }],
  ['sip:room@[::ffff:192.0.2.1]', { hostIsIp: true, parsed: 'room' }],
  ['1234567890123@2001:db8::1', { host: '2001:db8::1', port: null, hostIsIp: true, parsed: '1234567890123' }],
  ['1234567890123@[fe80::1%25eth0]', { hostIsIp: true, parsed: '1234567890123' }], // RFC 6874 zone id
  ['sip:[::1]:5060', { user: null, host: '[::1]', port: 5060, hostIsIp: true, parsed: '[::1]' }],
  ['sip:10.0.0.1', { user: null, host: '10.0.0.1', hostIsIp: true, parsed: '10.0.0.1' }],
  ['sip:vc.example.com', { user: null, host: 'vc.example.com', parsed: 'vc.example.com' }],
  ['sip:1234@256.1.1.1', { host: '256.1.1.1', hostIsIp: false, parsed: '1234@256.1.1.1' }],
  ['sip:1234@1.2.3', { hostIsIp: false, parsed: '1234@1.2.3' }],
  ['sip:1234@[not-v6]', { host: '[not-v6]', hostIsIp: false, parsed: '1234@[not-v6]' }],
  ['sip:1234@10.1.1.1:99999', { host: '10.1.1.1:99999', hostIsIp: false, parsed: '1234@10.1.1.1:99999' }],
  // angle brackets, display names, header parameters
  ['<sip:alice@example.com>', { scheme: 'sip', displayName: null, parsed: 'alice@example.com' }],
  ['Alice <sip:alice@example.com>;tag=abc', { displayName: 'Alice', params: {}, parsed: 'alice@example.com' }],
  ['"Alice Smith" <sip:alice@example.com;transport=tls>', { displayName: 'Alice Smith', params: { transport: 'tls' }, parsed: 'alice@example.com' }],
  ['"Room <3>" <sip:room@example.com>', { displayName: 'Room <3>', parsed: 'room@example.com' }],
  ['"Say \\"hi\\"" <sip:hi@example.com>', { displayName: 'Say "hi"', parsed: 'hi@example.com' }],
  ['<sip:1234567890123@127.0.0.11:5060', { user: '1234567890123', hostIsIp: true, parsed: '1234567890123' }],
  // %-escapes in the user part
  ['sip:alice%20smith@example.com', { user: 'alice smith', parsed: 'alice smith@example.com' }],
  ['sip:caf%C3%A9@example.com', { user: 'café', parsed: 'café@example.com' }],
  ['sip:alice%40corp@10.0.0.1', { user: 'alice@corp', hostIsIp: true, parsed: 'alice@corp' }],
  ['sip:100%25@example.com', { user: '100%', parsed: '100%@example.com' }],
  ['sip:bad%zz@example.com', { user: 'bad%zz', parsed: 'bad%zz@example.com' }],
  ['sip:half%E0%A4@example.com', { user: 'half%E0%A4', parsed: 'half%E0%A4@example.com' }],
  // degenerate input never throws
  ['', { scheme: null, user: null, host: null, port: null, hostIsIp: false, params: {}, displayName: null, parsed: '' }],
  ['sip:', { scheme: 'sip', user: null, host: null, parsed: '' }],
  ['sip:@example.com', { user: null, host: 'example.com', parsed: 'example.com' }],
  ['alice@', { user: 'alice', host: null, parsed: 'alice' }],
  ['@', { user: null, host: null, parsed: '' }],
  ['<>', { parsed: '' }],
  [';;;', { parsed: '', params: {} }],
];

describe('parseAlias', () => {
  it.each(CASES)('%s', (raw, expected) => {
    const alias = parseAlias(raw);
    expect(alias.raw).toBe(raw);
    expect(alias).toMatchObject(expected);
  });

  it('keeps __proto__ as an ordinary parameter without touching the prototype', () => {
    const alias = parseAlias('sip:a@b;__proto__=x');
    expect(Object.getPrototypeOf(alias.params)).toBe(Object.prototype);
    expect(Object.keys(alias.params)).toEqual(['__proto__']);
  });
});
