import { GwsimError } from '@gwsim/common';
import { describe, expect, it } from 'vitest';
import { meetDialAddresses, type MeetInteropSettings } from '../src/index.ts';

const ID = '1234567890123';
const full: MeetInteropSettings = { meetingIdLength: 'long', gatewayIp: '127.0.0.11', gatewayHostname: 'vc.example.com', sfbHostname: 'sfb.example.com' };

describe('meetDialAddresses', () => {
  it.each([
    ['all three', full, { sip: `sip:${ID}@vc.example.com`, ip: `${ID}@127.0.0.11`, sfb: `${ID}@sfb.example.com` }],
    ['hostname only', { meetingIdLength: 'long', gatewayHostname: 'px01.vc.example.com' }, { sip: `sip:${ID}@px01.vc.example.com` }],
    ['IP only', { meetingIdLength: 'long', gatewayIp: '10.44.0.5' }, { ip: `${ID}@10.44.0.5` }],
    ['IPv6 gets brackets', { meetingIdLength: 'long', gatewayIp: '2001:db8::11' }, { ip: `${ID}@[2001:db8::11]` }],
    ['bracketed IPv6 kept', { meetingIdLength: 'long', gatewayIp: '[2001:db8::11]' }, { ip: `${ID}@[2001:db8::11]` }],
    ['blank settings give nothing', { meetingIdLength: 'long', gatewayIp: '', gatewayHostname: '' }, {}],
    ['prefix never applies to long IDs', { ...full, meetingIdPrefix: '99' }, { sip: `sip:${ID}@vc.example.com`, ip: `${ID}@127.0.0.11`, sfb: `${ID}@sfb.example.com` }],
    ['short IDs get no SIP addresses', { ...full, meetingIdLength: 'short' }, {}],
  ] as [string, MeetInteropSettings, object][])('%s', (_what, settings, expected) => {
    expect(meetDialAddresses(settings, ID)).toEqual(expected);
  });

  it('does not validate the ID format of short IDs (they are never dialled by SIP)', () => {
    expect(meetDialAddresses({ ...full, meetingIdLength: 'short' }, 'abc-defg-hij')).toEqual({});
  });

  it.each([
    ['12 digits', '123456789012', 'meeting ID "123456789012" is not a long meeting ID (exactly 13 digits)'],
    ['14 digits', '12345678901234', 'meeting ID "12345678901234" is not a long meeting ID (exactly 13 digits)'],
    ['meeting code', 'abc-defg-hij', 'meeting ID "abc-defg-hij" is not a long meeting ID (exactly 13 digits)'],
    ['non-ASCII digits', '١٢٣٤٥٦٧٨٩٠١٢٣', 'meeting ID "١٢٣٤٥٦٧٨٩٠١٢٣" is not a long meeting ID (exactly 13 digits)'],
    ['trailing newline', `${ID}\n`, 'meeting ID "1234567890123\\n" is not a long meeting ID (exactly 13 digits)'],
  ])('rejects a long ID with %s', (_what, id, message) => {
    expect(() => meetDialAddresses(full, id)).toThrow(new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', message));
  });

  it.each([
    [{ meetingIdLength: 'long', gatewayIp: 'vc.example.com' }, 'gatewayIp "vc.example.com" is not an IPv4 or IPv6 address'],
    [{ meetingIdLength: 'long', gatewayIp: '300.1.1.1' }, 'gatewayIp "300.1.1.1" is not an IPv4 or IPv6 address'],
    [{ meetingIdLength: 'long', gatewayHostname: 'sip:vc.example.com' }, 'gatewayHostname "sip:vc.example.com" is not a valid DNS hostname'],
    [{ meetingIdLength: 'short', sfbHostname: 'bad host' }, 'sfbHostname "bad host" is not a valid DNS hostname'],
  ] as [MeetInteropSettings, string][])('rejects settings %o', (settings, message) => {
    expect(() => meetDialAddresses(settings, ID)).toThrow(message);
  });
});
