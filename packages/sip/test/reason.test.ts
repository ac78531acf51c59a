import { describe, expect, it } from 'vitest';
import { formatReason, parseMessage, parseReason, reasonHeader, reasonOf, SipParseError, type SipResponse } from '../src/index.ts';

describe('Reason header (RFC 3326)', () => {
  it('formats with quoted, escaped text and parses it back', () => {
    const v = formatReason({ protocol: 'SIP', cause: 404, text: 'Neither conference nor "gateway" found' });
    expect(v).toBe('SIP;cause=404;text="Neither conference nor \\"gateway\\" found"');
    expect(parseReason(v)).toEqual([{ protocol: 'SIP', cause: 404, text: 'Neither conference nor "gateway" found' }]);
    expect(reasonHeader({ protocol: 'Q.850', cause: 16 })).toEqual(['Reason', 'Q.850;cause=16']);
  });

  it('parses comma-joined values and picks one protocol from a message; bad values are errors, or ignored by reasonOf', () => {
    expect(parseReason('Q.850 ;cause=16 ;text="Terminated", SIP;cause=200;text="Call completed elsewhere"')).toEqual([
      { protocol: 'Q.850', cause: 16, text: 'Terminated' },
      { protocol: 'SIP', cause: 200, text: 'Call completed elsewhere' },
    ]);
    expect(() => parseReason('SIP;text="no cause"')).toThrow(SipParseError);
    expect(() => formatReason({ protocol: 'S I P', cause: 1 })).toThrow(SipParseError);
    const res = parseMessage(Buffer.from('SIP/2.0 603 Decline\r\nVia: SIP/2.0/UDP 127.0.22.1;branch=z9hG4bKr\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: r\r\nCSeq: 1 INVITE\r\nReason: junk\r\nReason: Q.850;cause=21, SIP;cause=603;text="Request to join was denied"\r\nContent-Length: 0\r\n\r\n'), { datagram: true }) as SipResponse;
    expect(reasonOf(res)).toEqual({ protocol: 'SIP', cause: 603, text: 'Request to join was denied' });
    expect(reasonOf(res, 'q.850')?.cause).toBe(21);
    expect(reasonOf(res, 'H.323')).toBeNull();
  });
});
