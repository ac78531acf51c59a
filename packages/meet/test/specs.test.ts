import { ConfigError, parse } from '@gwsim/common';
import { describe, expect, it } from 'vitest';
import { meetingSpecSchema, tenantSpecSchema } from '../src/index.ts';

function pathOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.path;
    throw err;
  }
  return undefined;
}

// The validator lives in @gwsim/common (promoted from this package); these tests pin the behaviour meet relies on.
describe('API specs', () => {
  it('checks the API specs deeply', () => {
    expect(pathOf(() => parse(tenantSpecSchema, { domain: 'x.com', interop: { scope: { kind: 'units', orgUnits: ['Sales'], groups: [] } } }))).toBe(
      'interop.scope.orgUnits[0]',
    );
    expect(pathOf(() => parse(tenantSpecSchema, { domain: 'x.com', interop: { gatewayIp: '300.1.1.1' } }))).toBe('interop.gatewayIp');
    expect(pathOf(() => parse(meetingSpecSchema, { organizer: 'a@x.com', code: 'ABC-DEFG-HIJ' }))).toBe('code');
    expect(pathOf(() => parse(meetingSpecSchema, { organizer: 'a@x.com', onKnock: { kind: 'deny', afterMs: -1 } }))).toBe('onKnock.afterMs');
  });
});
