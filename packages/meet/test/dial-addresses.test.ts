import { describe, expect, it } from 'vitest';
import { MeetService } from '../src/index.ts';

/** DOMAIN.md §1: what the service puts in an invite, per the tenant's interoperability settings. */
describe('meeting dial addresses', () => {
  it('long IDs get the SIP URI on the gateway hostname, the <id>@<ip> form and the SfB address when configured', () => {
    const s = new MeetService();
    s.createTenant({ domain: 'example.com', users: [{ email: 'host@example.com' }], interop: { gatewayHostname: 'vc.example.com', gatewayIp: '127.0.0.11', sfbHostname: 'sfb.example.com' } });
    const m = s.createMeeting({ organizer: 'host@example.com', meetingId: '1234567890123' });
    expect(m.dialAddresses).toEqual({ sip: 'sip:1234567890123@vc.example.com', ip: '1234567890123@127.0.0.11', sfb: '1234567890123@sfb.example.com' });
    expect(s.getMeeting('1234567890123').dialAddresses.sip).toBe('sip:1234567890123@vc.example.com');
    s.close();
  });

  it('settings changes show in the next snapshot; short-ID tenants get no SIP addresses', () => {
    const s = new MeetService();
    s.createTenant({ domain: 'example.com', users: [{ email: 'host@example.com' }], interop: { gatewayHostname: 'vc.example.com' } });
    const m = s.createMeeting({ organizer: 'host@example.com' });
    expect(Object.keys(m.dialAddresses)).toEqual(['sip']);
    s.updateInterop('example.com', { meetingIdLength: 'short' });
    expect(s.getMeeting(m.meetingId).dialAddresses).toEqual({});
    s.close();
  });

  it('rejects a meeting ID prefix that is not digits, naming the field', () => {
    const s = new MeetService();
    expect(() => s.createTenant({ domain: 'example.com', interop: { meetingIdPrefix: 'abc' } })).toThrow(/interop\.meetingIdPrefix/);
    s.close();
  });
});
