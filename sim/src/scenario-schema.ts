import { ConfigError, array, boolean, integer, object, oneOf, optional, string, type Infer, type Schema } from '@gwsim/common';
import { isOutcomeCode, OUTCOMES } from '@gwsim/node';
import { meetingSpecSchema, tenantSpecSchema, tokenSpecSchema, type MeetingSpec } from '@gwsim/meet';
import { dnsFaultsSchema } from '@gwsim/dns';
import { isIP } from 'node:net';

const ipv4 = string({ max: 15, hint: 'an IPv4 address on loopback (127.x.y.z)', check: (v) => (isIP(v) === 4 && v.startsWith('127.') ? undefined : 'must be an IPv4 loopback address (127.0.0.0/8)') });
const port = integer({ min: 0, max: 65535 });
const name = string({ min: 1, max: 32, pattern: /^[a-z0-9][a-z0-9_-]*$/i, hint: 'letters, digits, - and _' });
const ms = integer({ min: 0, max: 3_600_000 });

/** Anything; validated later by the layer that owns it (routing rules → @gwsim/dialplan). */
function passthrough(expects: string): Schema<unknown> {
  return { expects, parse: (value) => value };
}

/** A Meet meeting as the scenario declares it: the service's meeting spec plus a label and an ended flag. */
const scenarioMeeting: Schema<{ label: string; ended: boolean; spec: MeetingSpec }> = {
  expects: 'a meeting (label, organizer, meetingId, …)',
  parse(value, path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(path, 'must be an object');
    const { label, ended, ...rest } = value as Record<string, unknown>;
    const l = string({ min: 1, max: 64 }).parse(label, `${path}.label`);
    const e = ended === undefined ? false : boolean().parse(ended, `${path}.ended`);
    return { label: l, ended: e, spec: meetingSpecSchema.parse(rest, path) };
  },
};

/**
 * Outcomes only the caller can see, beside the node's table: the dial string did not resolve
 * (`DNS_FAILURE`), or no target answered at all (`NO_RESPONSE`: every RFC 3263 target timed out or was
 * unreachable).
 */
export const CALLER_OUTCOMES = ['DNS_FAILURE', 'NO_RESPONSE'] as const;

const expectSchema: Schema<string> = {
  expects: 'CONNECTED or an outcome code',
  parse(value, path) {
    const v = string().parse(value, path);
    if (v === 'CONNECTED' || isOutcomeCode(v) || (CALLER_OUTCOMES as readonly string[]).includes(v)) return v;
    throw new ConfigError(path, `unknown outcome "${v}" (allowed: CONNECTED, ${[...Object.keys(OUTCOMES), ...CALLER_OUTCOMES].join(', ')})`);
  },
};

export const scenarioSchema = object({
  name: string({ min: 1, max: 100 }),
  description: optional(string({ max: 2000 })),
  timers: optional(object({ T1: optional(integer({ min: 1, max: 10_000 })), T2: optional(integer({ min: 1, max: 60_000 })), T4: optional(integer({ min: 1, max: 60_000 })) })),
  topology: object({
    dns: object({
      address: ipv4,
      port,
      domain: string({ min: 1, max: 253 }),
      ttl: optional(integer({ min: 0, max: 86_400 })),
      /** Publish NAPTR records (SIP+D2U/D2T, SIPS+D2T) at the domain, RFC 3263 §4.1. */
      naptr: optional(boolean()),
      /** Faults applied to answers from the start (see packages/dns README): nxdomain, servfail, timeout, delay, … */
      faults: optional(dnsFaultsSchema),
    }),
    meet: object({ address: ipv4, port, knockTimeoutMs: optional(ms) }),
    nodes: array(
      object({
        name,
        address: ipv4,
        sipPort: optional(port),
        /** More SIP listening points on the node address (UDP on sipPort is always there). */
        tcpPort: optional(port),
        wsPort: optional(port),
        location: optional(string({ min: 1, max: 64 })),
        /** HD-call units (Pexip resource model); default 40. */
        capacityUnits: optional(integer({ min: 0, max: 100_000 })),
        maxQuality: optional(oneOf(['audio', 'sd', 'hd', 'fullhd'])),
        /** How untrusted callers wait: answer (200 + waiting splash, default), ringing (180), progress (183). */
        lobby: optional(oneOf(['answer', 'ringing', 'progress'])),
        /** Admin/metrics HTTP API port; the key comes from the GWSIM_ADMIN_KEY environment variable. */
        adminPort: optional(port),
        overload: optional(object({ maxConcurrentSetups: optional(integer({ min: 1, max: 1_000_000 })), maxCallsPerSecond: optional(integer({ min: 1, max: 1_000_000 })), retryAfterSeconds: optional(integer({ min: 1, max: 3600 })) })),
      }),
      { max: 64 },
    ),
    tenant: tenantSpecSchema,
    tokens: array(tokenSpecSchema, { max: 100 }),
    routing: optional(object({ rules: optional(passthrough('Call Routing Rules')), virtual_receptions: optional(passthrough('Virtual Receptions')) })),
    meetings: array(scenarioMeeting, { max: 10_000 }),
  }),
  endpoints: array(object({ name, address: ipv4, displayName: optional(string({ max: 100 })), register: optional(boolean()) }), { max: 1000 }),
  calls: array(
    object({
      name: optional(string({ min: 1, max: 100 })),
      from: name,
      dial: string({ min: 1, max: 500 }),
      expect: expectSchema,
      holdMs: optional(ms),
      startAtMs: optional(ms),
      /** Keys to send once a Virtual Reception answers, e.g. "1000000000001#". */
      dtmf: optional(string({ min: 1, max: 64, pattern: /^[0-9*#A-D]+$/i, hint: 'DTMF keys 0-9 * # A-D' })),
      dtmfMethod: optional(oneOf(['rfc4733', 'info'])),
      /** After 200 OK, how long to wait for meeting media (a lobby wait counts). Default 15000. */
      answerTimeoutMs: optional(ms),
    }),
    { max: 10_000 },
  ),
  report: optional(object({ format: optional(oneOf(['text', 'json'])) })),
});

export type Scenario = Infer<typeof scenarioSchema>;
