import { describe, expect, it } from 'vitest';
import { decideAdmission, DEFAULT_INTEROP, inScope, withinOrgUnit, type AdmissionFacts, type InteropSettings } from '../src/index.ts';

const user = { email: 'a@x.com', orgUnit: '/Sales/EMEA', groups: ['team@x.com'] };
const token = { id: 't', tenant: 'x.com', name: 'x', trusted: true, createdAt: '' };
const meeting = { meetingId: '1234567890123', shortId: '1234567890', tenant: 'x.com', state: 'active' as const, videoLock: false, capacity: 10, occupancy: 1 };
const base: AdmissionFacts = { token, interop: DEFAULT_INTEROP, meetingId: meeting.meetingId, meeting, organizer: user };
const decide = (over: Partial<AdmissionFacts>) => decideAdmission({ ...base, ...over });

describe('admission decision', () => {
  it('orders the checks as DOMAIN.md §5 lists them (first failure wins)', () => {
    const off: InteropSettings = { ...DEFAULT_INTEROP, interopEnabled: false };
    const everythingWrong = { ...meeting, state: 'ended' as const, videoLock: true, occupancy: 99 };
    expect(decide({ token: undefined, interop: off, meeting: everythingWrong })).toEqual({ ok: false, code: 'TOKEN_INVALID' });
    expect(decide({ token: { ...token, revokedAt: 'now' } })).toEqual({ ok: false, code: 'TOKEN_INVALID' });
    expect(decide({ interop: off, meeting: undefined })).toEqual({ ok: false, code: 'INTEROP_DISABLED' });
    expect(decide({ meeting: undefined })).toEqual({ ok: false, code: 'MEETING_NOT_FOUND' });
    const scoped: InteropSettings = { ...DEFAULT_INTEROP, scope: { kind: 'units', orgUnits: ['/Eng'], groups: [] } };
    expect(decide({ interop: scoped, meeting: everythingWrong })).toEqual({ ok: false, code: 'OUT_OF_SCOPE' });
    expect(decide({ meeting: everythingWrong })).toEqual({ ok: false, code: 'MEETING_ENDED' });
    expect(decide({ meeting: { ...everythingWrong, state: 'active' } })).toEqual({ ok: false, code: 'VIDEO_LOCKED' });
    expect(decide({ meeting: { ...meeting, occupancy: 10 } })).toEqual({ ok: false, code: 'MEETING_FULL' });
    expect(decide({})).toEqual({ ok: true, path: 'join' });
    expect(decide({ token: { ...token, trusted: false } })).toEqual({ ok: true, path: 'knock' });
  });

  it("finds a meeting only by the tenant's ID form and only in the token's tenant", () => {
    expect(decide({ meetingId: meeting.shortId })).toEqual({ ok: false, code: 'MEETING_NOT_FOUND' });
    const short: InteropSettings = { ...DEFAULT_INTEROP, meetingIdLength: 'short' };
    expect(decide({ interop: short, meetingId: meeting.shortId })).toEqual({ ok: true, path: 'join' });
    expect(decide({ interop: short })).toEqual({ ok: false, code: 'MEETING_NOT_FOUND' });
    expect(decide({ meeting: { ...meeting, tenant: 'y.com' } })).toEqual({ ok: false, code: 'MEETING_NOT_FOUND' });
  });

  it('treats OUs as a hierarchy and groups as alternatives', () => {
    expect(withinOrgUnit('/Sales/EMEA', '/Sales')).toBe(true);
    expect(withinOrgUnit('/Sales', '/Sales/')).toBe(true);
    expect(withinOrgUnit('/SalesOps', '/Sales')).toBe(false);
    expect(withinOrgUnit('/Anything', '/')).toBe(true);
    expect(inScope({ kind: 'units', orgUnits: [], groups: ['TEAM@x.com'] }, user)).toBe(true);
    expect(inScope({ kind: 'units', orgUnits: ['/Eng'], groups: ['other@x.com'] }, user)).toBe(false);
    expect(inScope({ kind: 'units', orgUnits: ['/'], groups: [] }, undefined)).toBe(false);
    expect(inScope({ kind: 'everyone' }, undefined)).toBe(true);
  });
});
