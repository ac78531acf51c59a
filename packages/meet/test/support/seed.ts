/** A small tenant every test starts from: example.com with users in two OUs and a trusted/untrusted token pair. */
import type { MeetService } from '../../src/index.ts';

export const ALICE = 'alice@example.com'; // /Sales/EMEA, group sales@example.com
export const BOB = 'bob@example.com'; // /Engineering, group vc-admins@example.com
export const CAROL = 'carol@example.com'; // /, no groups

export interface Seeded {
  trusted: string;
  untrusted: string;
  trustedId: string;
  untrustedId: string;
}

export function seed(service: MeetService, domain = 'example.com'): Seeded {
  service.createTenant({
    domain,
    interop: { gatewayHostname: 'vc.example.com', gatewayIp: '127.0.0.11' },
    users: [
      { email: ALICE.replace('example.com', domain), orgUnit: '/Sales/EMEA', groups: ['sales@example.com'] },
      { email: BOB.replace('example.com', domain), orgUnit: '/Engineering', groups: ['vc-admins@example.com'] },
      { email: CAROL.replace('example.com', domain) },
    ],
  });
  const trusted = service.createToken(domain, { name: `${domain} (trusted)`, trusted: true });
  const untrusted = service.createToken(domain, { name: `${domain} (untrusted)`, trusted: false });
  return { trusted: trusted.secret, untrusted: untrusted.secret, trustedId: trusted.token.id, untrustedId: untrusted.token.id };
}
