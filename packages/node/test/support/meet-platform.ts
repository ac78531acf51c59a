import { silentLogger } from '@gwsim/common';
import { defaultRules, validateRoutingConfig } from '@gwsim/dialplan';
import { MeetServer } from '@gwsim/meet';

/**
 * A Meet mock on `<base>.20` with tenant example.com (host@example.com), a trusted and an untrusted token,
 * and the node routing of DOMAIN.md (the default rule pair) plus `extra` (e.g. virtual_receptions).
 */
export async function meetAndRouting(base: string, cleanup: Array<() => Promise<unknown>>, extra: Record<string, unknown> = {}) {
  const meet = await MeetServer.start({ address: `${base}.20`, port: 0, adminKey: 'test-admin-key-1', logger: silentLogger });
  cleanup.push(() => meet.close());
  meet.service.createTenant({ domain: 'example.com', users: [{ email: 'host@example.com' }] });
  const trusted = meet.service.createToken('example.com', { name: 'trusted', trusted: true }).secret;
  const untrusted = meet.service.createToken('example.com', { name: 'untrusted', trusted: false }).secret;
  const routing = validateRoutingConfig({
    gms_access_tokens: [{ name: 'trusted', token: trusted }, { name: 'untrusted', token: untrusted }],
    rules: defaultRules({ trustedToken: 'trusted', untrustedToken: 'untrusted' }),
    ...extra,
  });
  return { meet, routing };
}
