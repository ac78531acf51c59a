import { describe, expect, it } from 'vitest';
import { dialTransport, parseDialString } from '../src/index.ts';

describe('parseDialString', () => {
  it.each([
    ['sip:1234567890123@vc.example.com', { uri: 'sip:1234567890123@vc.example.com', host: 'vc.example.com', secure: false }],
    ['1234567890123@127.0.0.11', { uri: 'sip:1234567890123@127.0.0.11', host: '127.0.0.11', secure: false }],
    ['sips:1234567890123@vc.example.com', { host: 'vc.example.com', secure: true }],
    ['sip:1234567890123@127.0.0.11:5070;transport=udp', { host: '127.0.0.11', port: 5070, transport: 'udp' }],
    ['  1234567890123@[::1]  ', { host: '::1' }],
  ])('%s', (input, want) => {
    expect(parseDialString(input)).toMatchObject(want);
  });

  it.each([
    ['', /empty dial string/],
    ['vc.example.com', /no user part/],
    ['tel:+15551234', /only sip: and sips:/],
    ['sip:1@host;transport=sctp', /transport=sctp is not one of udp, tcp, tls/],
    ['sip:1@bad host', /not a SIP address/],
    ['sips:1@vc.example.com;transport=udp', /dial: "sips:1@vc.example.com;transport=udp": a sips: address cannot use transport=udp/],
  ])('rejects %j', (input, re) => {
    expect(() => parseDialString(input)).toThrow(re);
  });
});

describe('dialTransport (RFC 3263 §4.1)', () => {
  it.each([
    ['sip:1@vc.example.com', 'udp', 'udp'],
    ['sip:1@vc.example.com', 'tcp', 'tcp'],
    ['sip:1@vc.example.com;transport=tcp', 'udp', 'tcp'],
    ['sip:1@vc.example.com;transport=tls', 'udp', 'tls'],
    ['sips:1@vc.example.com', 'udp', 'tls'],
    ['sips:1@vc.example.com;transport=tcp', 'tcp', 'tls'],
    ['sip:1@127.0.0.11;transport=udp', 'tls', 'udp'],
  ] as const)('%s with preference %s → %s', (dial, preferred, want) => {
    expect(dialTransport(parseDialString(dial), preferred)).toBe(want);
  });
});
