import { describe, expect, it } from 'vitest';
import { OUTCOMES, outcomeFromResponse, reasonHeader, refusalHeaders } from '../src/index.ts';

describe('outcome table (DOMAIN.md §5)', () => {
  it('maps the documented causes to the documented SIP codes', () => {
    expect(OUTCOMES.NO_MATCH).toMatchObject({ status: 404, reason: 'Neither conference nor gateway found' });
    expect(OUTCOMES.TOKEN_INVALID.status).toBe(403);
    expect(OUTCOMES.INTEROP_DISABLED.status).toBe(403);
    expect(OUTCOMES.OUT_OF_SCOPE.status).toBe(403);
    expect(OUTCOMES.MEETING_NOT_FOUND.status).toBe(404);
    expect(OUTCOMES.MEETING_ENDED.status).toBe(404);
    expect(OUTCOMES.VIDEO_LOCKED.status).toBe(403);
    expect(OUTCOMES.MEETING_FULL.status).toBe(486);
    expect(OUTCOMES.KNOCK_DENIED).toMatchObject({ status: 603, cause: 603 });
    expect(OUTCOMES.KNOCK_TIMEOUT).toMatchObject({ status: 408, cause: 408 });
    expect(OUTCOMES.NOBODY_TO_ADMIT.status).toBe(408);
    expect(OUTCOMES.NODE_CAPACITY.status).toBe(503);
    expect(OUTCOMES.MEET_UNAVAILABLE.status).toBe(503);
    expect(OUTCOMES.MEET_TIMEOUT.status).toBe(504);
  });

  it('gives every outcome a distinct status + reason, so a caller can tell them apart', () => {
    const seen = new Set<string>();
    for (const [code, o] of Object.entries(OUTCOMES)) {
      const key = `${o.status} ${o.reason}`;
      expect(seen.has(key), `${code} shares "${key}"`).toBe(false);
      seen.add(key);
      expect(outcomeFromResponse(o.status, o.reason)).toBe(code);
    }
    expect(outcomeFromResponse(200, 'OK')).toBe('CONNECTED');
    expect(outcomeFromResponse(404, 'Something else')).toBeNull();
  });

  it('formats Reason (RFC 3326) and Warning headers without breaking quoting', () => {
    expect(reasonHeader(OUTCOMES.KNOCK_DENIED)).toBe('SIP;cause=603;text="Request to join was denied"');
    expect(refusalHeaders(OUTCOMES.NO_MATCH, 'px01', 'alias "x" matched nothing')).toEqual([
      ['Reason', 'SIP;cause=404;text="Neither conference nor gateway found"'],
      ['Warning', `399 px01 "alias 'x' matched nothing"`],
    ]);
  });
});
