/**
 * Input schemas of the service (and so of the HTTP API, which parses bodies with them before a handler
 * runs). The types the service methods accept are inferred from them, and API.md is generated from them.
 */
import { isIP } from 'node:net';
import { LONG_ID, MEETING_CODE, SHORT_ID } from './identifiers.ts';
import { boolean, ConfigError, integer, oneOf, optional, string, type Infer, type Schema } from '@gwsim/common';
import { array, object, tagged } from './schema-doc.ts';

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/i;
const EMAIL = /^[^\s@]{1,64}@[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/i;
const ORG_UNIT = /^\/([^/\s][^/]*(\/[^/\s][^/]*)*)?$/;

const domain = string({ max: 253, pattern: HOSTNAME, hint: 'a DNS domain name (example.com)' });
const email = string({ max: 320, pattern: EMAIL, hint: 'an email address (alice@example.com)' });
const orgUnit = string({ max: 512, pattern: ORG_UNIT, hint: "an organizational unit path ('/' or '/Sales/EMEA')" });
const delayMs = integer({ min: 0, max: 86_400_000 });

export const scopeSchema = tagged('kind', {
  everyone: object({}),
  units: object({ orgUnits: array(orgUnit, { max: 1000 }), groups: array(email, { max: 1000 }) }),
});

const interopFields = {
  interopEnabled: optional(boolean()),
  scope: optional(scopeSchema),
  meetingIdLength: optional(oneOf(['long', 'short'])),
  gatewayIp: optional(string({ max: 45, hint: 'an IPv4 or IPv6 address', check: (v) => (isIP(v) ? undefined : 'must be an IPv4 or IPv6 address') })),
  gatewayHostname: optional(string({ max: 253, pattern: HOSTNAME, hint: 'a hostname (vc.example.com)' })),
  sfbHostname: optional(string({ max: 253, pattern: HOSTNAME, hint: 'a hostname (sfb.example.com)' })),
  meetingIdPrefix: optional(string({ max: 12, pattern: /^\d*$/, hint: 'digits (normally blank)' })),
};

export const userSpecSchema = object({
  email,
  orgUnit: optional(orgUnit),
  groups: optional(array(email, { max: 1000 })),
});

export const tenantSpecSchema = object({
  domain,
  interop: optional(object(interopFields)),
  users: optional(array(userSpecSchema, { max: 10_000 })),
});

/** Changes to a tenant's interoperability settings; absent fields stay as they are. */
export const interopPatchSchema = object(interopFields);

/**
 * A token secret chosen by a scenario file. Unlike the common string schema, its error never quotes the
 * value: a mistyped secret is still a secret.
 */
function secretSchema(): Schema<string> {
  const expects = 'a secret of 16-100 printable ASCII characters without spaces';
  return {
    expects,
    parse(value, path) {
      if (typeof value !== 'string' || !/^[\x21-\x7e]{16,100}$/.test(value)) throw new ConfigError(path, `must be ${expects} (the value is not repeated here)`);
      return value;
    },
  };
}

export const tokenSpecSchema = object({
  name: string({ min: 1, max: 100 }),
  trusted: boolean(),
  /** Give the secret (scenario files); otherwise one is generated. */
  secret: optional(secretSchema()),
});

export const hostBehaviourSchema = tagged('kind', {
  admit: object({ afterMs: delayMs }),
  deny: object({ afterMs: delayMs }),
  ignore: object({}),
  nobodyPresent: object({}),
});

export const meetingSpecSchema = object({
  organizer: email,
  meetingId: optional(string({ pattern: LONG_ID, hint: 'a 13-digit meeting ID' })),
  shortId: optional(string({ pattern: SHORT_ID, hint: 'a short meeting ID of 4-12 digits' })),
  code: optional(string({ pattern: MEETING_CODE, hint: 'a meeting code like abc-defg-hij' })),
  capacity: optional(integer({ min: 1, max: 100_000 })),
  videoLock: optional(boolean()),
  micLock: optional(boolean()),
  onKnock: optional(hostBehaviourSchema),
  /** Display names of simulated people already in the meeting (default: the organizer, unless nobodyPresent). */
  attendees: optional(array(string({ min: 1, max: 256 }), { max: 100_000 })),
});

export const hostPatchSchema = object({
  videoLock: optional(boolean()),
  micLock: optional(boolean()),
  onKnock: optional(hostBehaviourSchema),
});

export const joinRequestSchema = object({
  meetingId: string({ min: 1, max: 64 }),
  displayName: string({ min: 1, max: 256 }),
  /** A WebRTC offer (JSEP, non-trickle, loopback candidates); the join answer then carries `sdpAnswer`. */
  sdpOffer: optional(string({ min: 1, max: 60_000, hint: 'a WebRTC SDP offer (UDP/TLS/RTP/SAVPF, ICE credentials, DTLS fingerprint, loopback host candidates) of at most 60000 characters' })),
});

export const emptySchema = object({});

export type ScopeSpec = Infer<typeof scopeSchema>;
export type UserSpec = Infer<typeof userSpecSchema>;
export type TenantSpec = Infer<typeof tenantSpecSchema>;
export type InteropPatch = Infer<typeof interopPatchSchema>;
export type TokenSpec = Infer<typeof tokenSpecSchema>;
export type HostBehaviourSpec = Infer<typeof hostBehaviourSchema>;
export type MeetingSpec = Infer<typeof meetingSpecSchema>;
export type HostPatch = Infer<typeof hostPatchSchema>;
export type JoinRequest = Infer<typeof joinRequestSchema>;
