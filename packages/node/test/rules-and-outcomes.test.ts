import { createServer, type Server } from 'node:http';
import { silentLogger } from '@gwsim/common';
import { validateRoutingConfig, type CallRoutingRuleInput } from '@gwsim/dialplan';
import { createOffer, serializeSdp } from '@gwsim/media';
import { MeetServer } from '@gwsim/meet';
import { UdpTransport, UserAgent, type InviteResult } from '@gwsim/sip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConferencingNode, OUTCOMES, outcomeFromReason, outcomeFromResponse, type OutcomeCode } from '../src/index.ts';

/**
 * Every Call Routing Rule field, and every row of the outcome table, over real SIP on loopback against the
 * real Meet mock: a caller UA sends INVITEs to a node whose rules each case sets.
 */
const timers = { T1: 50, T2: 400, T4: 500 };
let meet: MeetServer;
let caller: UserAgent;
const secrets = new Map<string, string>();
const OPEN = '7000000000001';

beforeAll(async () => {
  meet = await MeetServer.start({ address: '127.0.28.20', port: 0, adminKey: 'rules-admin-key', knockTimeoutMs: 300 });
  meet.service.createTenant({ domain: 'example.com', users: [{ email: 'host@example.com', orgUnit: '/Sales' }] });
  meet.service.createTenant({ domain: 'other.com', users: [{ email: 'boss@other.com', orgUnit: '/Eng' }], interop: { scope: { kind: 'units', orgUnits: ['/Sales'], groups: [] } } });
  meet.service.createTenant({ domain: 'off.com', users: [{ email: 'x@off.com' }], interop: { interopEnabled: false } });
  for (const [name, domain, trusted] of [['trusted', 'example.com', true], ['untrusted', 'example.com', false], ['revoked', 'example.com', true], ['other', 'other.com', true], ['off', 'off.com', true]] as const) {
    const t = meet.service.createToken(domain, { name, trusted });
    secrets.set(name, t.secret);
    if (name === 'revoked') meet.service.revokeToken(t.token.id);
  }
  meet.service.createMeeting({ organizer: 'host@example.com', meetingId: OPEN, onKnock: { kind: 'admit', afterMs: 0 } });
  meet.service.createMeeting({ organizer: 'boss@other.com', meetingId: '7000000000002' });
  meet.service.createMeeting({ organizer: 'x@off.com', meetingId: '7000000000003' });
  meet.service.createMeeting({ organizer: 'host@example.com', meetingId: '7000000000004', videoLock: true });
  meet.service.endMeeting(meet.service.createMeeting({ organizer: 'host@example.com', meetingId: '7000000000005' }).meetingId);
  meet.service.createMeeting({ organizer: 'host@example.com', meetingId: '7000000000006', capacity: 1 });
  meet.service.createMeeting({ organizer: 'host@example.com', meetingId: '7000000000007', onKnock: { kind: 'deny', afterMs: 0 } });
  meet.service.createMeeting({ organizer: 'host@example.com', meetingId: '7000000000008', onKnock: { kind: 'ignore' } });
  meet.service.createMeeting({ organizer: 'host@example.com', meetingId: '7000000000009', onKnock: { kind: 'nobodyPresent' } });
  caller = new UserAgent({ transport: await UdpTransport.create({ address: '127.0.28.100' }), timers });
});
afterAll(async () => {
  await caller?.close();
  await meet?.close();
});

const tokens = () => [...secrets].map(([name, token]) => ({ name, token }));
const rule = (r: Partial<CallRoutingRuleInput>): CallRoutingRuleInput => ({ priority: 10, name: `rule-${r.priority ?? 10}`, match_string: '(\\d{13})(@.*)?', replace_string: '\\1', called_device_type: 'gms_conference', gms_access_token: 'trusted', ...r });

async function withNode<T>(rules: CallRoutingRuleInput[], fn: (node: ConferencingNode) => Promise<T>, extra: { location?: string; meetUrl?: string; meetTimeoutMs?: number } = {}): Promise<T> {
  const node = await ConferencingNode.start({ name: 'px01', location: extra.location ?? 'primary', address: '127.0.28.11', routing: validateRoutingConfig({ gms_access_tokens: tokens(), rules }), meetUrl: extra.meetUrl ?? meet.url, meetTimeoutMs: extra.meetTimeoutMs, timers, logger: silentLogger });
  try {
    return await fn(node);
  } finally {
    await node.close();
  }
}

async function dial(node: ConferencingNode, uri: string, opts: { video?: boolean; kbps?: number; from?: string } = {}): Promise<InviteResult> {
  let sdp = serializeSdp(createOffer({ address: '127.0.28.100', audioPort: 40000, videoPort: opts.video ? 40002 : undefined }));
  if (opts.kbps) sdp = sdp.replace(/(m=video[^\r]*\r\n)/, `$1b=AS:${opts.kbps}\r\n`);
  return caller.invite({ destination: node.sipAddress, uri, from: opts.from ?? 'sip:room@example.com', body: sdp }).result;
}

/** Dial, then: refused → that outcome; answered → wait for the node's verdict (meeting, or BYE with Reason). */
async function outcome(node: ConferencingNode, uri: string, opts: Parameters<typeof dial>[2] = {}): Promise<{ outcome: OutcomeCode | null; result: InviteResult }> {
  const result = await dial(node, uri, opts);
  if (result.status !== 200) return { outcome: outcomeFromResponse(result.status, result.reason), result };
  const byReason = new Promise<string | null>((resolve) => result.dialog!.on('terminated', (e) => resolve(e.request?.headers.get('Reason') ?? null)));
  for (let i = 0; i < 50; i++) {
    const call = node.calls().find((c) => c.sipCallId === result.dialog!.callId);
    if (call?.state === 'connected') {
      lastTrusted = meet.service.getMeeting(call.meetingId!).participants.find((p) => p.id === call.participantId)?.trusted;
      await result.dialog!.bye();
      return { outcome: 'CONNECTED', result };
    }
    if (call?.state === 'ended') return { outcome: outcomeFromReason(await byReason), result };
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('no verdict within 1 s');
}

/** Whether Meet saw the last connected call's participant as trusted (read while it was in the meeting). */
let lastTrusted: boolean | undefined;
const tokenAtMeet = (_meetingId: string) => lastTrusted;

describe('Call Routing Rule fields', () => {
  it('priority: the lowest number wins among matching rules', () =>
    withNode([rule({ priority: 20, gms_access_token: 'trusted' }), rule({ priority: 5, name: 'first', gms_access_token: 'untrusted' })], async (node) => {
      expect((await outcome(node, `sip:${OPEN}@vc.example.com`)).outcome).toBe('CONNECTED');
      expect(node.calls()[0]).toMatchObject({ rule: 'first', token: 'untrusted' });
      expect(tokenAtMeet(OPEN)).toBe(false);
    }));

  it('enable: a disabled rule is skipped', () =>
    withNode([rule({ priority: 5, name: 'off', enable: false, gms_access_token: 'untrusted' }), rule({ priority: 10, name: 'on' })], async (node) => {
      await outcome(node, `sip:${OPEN}@vc.example.com`);
      expect(node.calls()[0]!.rule).toBe('on');
    }));

  it('match_incoming_sip / match_incoming_calls: a rule that excludes SIP, or incoming calls, never matches a SIP call', () =>
    withNode([rule({ priority: 5, match_incoming_sip: false }), rule({ priority: 6, match_incoming_calls: false })], async (node) => {
      expect((await outcome(node, `sip:${OPEN}@vc.example.com`)).outcome).toBe('NO_MATCH');
    }));

  it('match_incoming_only_if_registered: registered callers get the trusted token, others the untrusted one (seen at Meet)', () =>
    withNode([rule({ priority: 10, match_incoming_only_if_registered: true, gms_access_token: 'trusted' }), rule({ priority: 20, gms_access_token: 'untrusted' })], async (node) => {
      await outcome(node, `sip:${OPEN}@vc.example.com`, { from: 'sip:guest@example.com' });
      expect(tokenAtMeet(OPEN)).toBe(false);
      const reg = await caller.request({ method: 'REGISTER', destination: node.sipAddress, uri: 'sip:example.com', from: 'sip:member@example.com', to: 'sip:member@example.com', headers: [['Expires', '600']] });
      expect(reg.status).toBe(200);
      await outcome(node, `sip:${OPEN}@vc.example.com`, { from: 'sip:member@example.com' });
      expect(tokenAtMeet(OPEN)).toBe(true);
      expect(node.calls().map((c) => c.token)).toEqual(['untrusted', 'trusted']);
    }));

  it('match_source_location: a rule for another location does not match on this node', async () => {
    await withNode([rule({ match_source_location: 'London' })], async (node) => expect((await outcome(node, `sip:${OPEN}@vc.example.com`)).outcome).toBe('NO_MATCH'));
    await withNode([rule({ match_source_location: 'London' })], async (node) => expect((await outcome(node, `sip:${OPEN}@vc.example.com`)).outcome).toBe('CONNECTED'), { location: 'London' });
  });

  it('match_string / match_string_full / replace_string: whole-alias regex over the parsed or the raw alias', () =>
    withNode(
      [rule({ priority: 10, match_string: 'sips?:meet-(\\d{13})@.*', match_string_full: true }), rule({ priority: 20, match_string: 'room-(\\d{13})@vc\\.example\\.com', replace_string: '\\1' })],
      async (node) => {
        expect((await outcome(node, `sip:meet-${OPEN}@vc.example.com`)).outcome).toBe('CONNECTED'); // full: scheme included
        expect((await outcome(node, `sip:room-${OPEN}@vc.example.com;transport=udp`)).outcome).toBe('CONNECTED'); // parsed: params dropped
        expect((await outcome(node, `sip:room-${OPEN}@other.example.com`)).outcome).toBe('NO_MATCH'); // whole alias must match
        expect(node.calls().slice(0, 2).map((c) => c.meetingId)).toEqual([OPEN, OPEN]);
      },
    ));

  it('called_device_type: a rule whose target is not Google Meet is refused', () =>
    withNode([rule({ called_device_type: 'external', gms_access_token: null })], async (node) => expect((await outcome(node, `sip:${OPEN}@vc.example.com`)).outcome).toBe('UNSUPPORTED_TARGET')));

  it('call_type and max_callrate_in decide the call cost', () =>
    withNode([rule({ priority: 10, match_string: 'audio-(\\d{13})', call_type: 'audio' }), rule({ priority: 20, match_string: 'sd-(\\d{13})', max_callrate_in: 512 }), rule({ priority: 30 })], async (node) => {
      await outcome(node, `sip:audio-${OPEN}@127.0.28.11`, { video: true });
      await outcome(node, `sip:sd-${OPEN}@127.0.28.11`, { video: true, kbps: 4000 });
      await outcome(node, `sip:${OPEN}@127.0.28.11`, { video: true, kbps: 4000 });
      expect(node.calls().map((c) => [c.quality, c.units])).toEqual([['audio', 1 / 16], ['sd', 0.5], ['fullhd', 2]]);
    }));
});

describe('outcome table rows (DOMAIN.md §5) over SIP', () => {
  const cases: Array<[string, string, OutcomeCode]> = [
    ['unknown meeting', '7999999999999', 'MEETING_NOT_FOUND'],
    ['token revoked', OPEN + '?token=revoked', 'TOKEN_INVALID'],
    ['organizer outside the scope', '7000000000002?token=other', 'OUT_OF_SCOPE'],
    ['interop off', '7000000000003?token=off', 'INTEROP_DISABLED'],
    ['video lock', '7000000000004', 'VIDEO_LOCKED'],
    ['meeting ended', '7000000000005', 'MEETING_ENDED'],
    ['meeting full', '7000000000006', 'MEETING_FULL'],
    ['knock denied (after answer)', '7000000000007?token=untrusted', 'KNOCK_DENIED'],
    ['knock timeout (after answer)', '7000000000008?token=untrusted', 'KNOCK_TIMEOUT'],
    ['nobody to admit (after answer)', '7000000000009?token=untrusted', 'NOBODY_TO_ADMIT'],
  ];
  const rules = ['revoked', 'other', 'off', 'untrusted'].map((t, i) => rule({ priority: 10 + i, name: t, match_string: `(\\d{13})-${t}(@.*)?`, gms_access_token: t })).concat(rule({ priority: 50 }));

  it.each(cases)('%s → %s', (_name, target, expected) =>
    withNode(rules, async (node) => {
      const [id, token] = target.split('?token=');
      const { outcome: got, result } = await outcome(node, `sip:${id}${token ? `-${token}` : ''}@vc.example.com`);
      expect(got).toBe(expected);
      const row = OUTCOMES[expected as keyof typeof OUTCOMES];
      if (result.status !== 200) {
        expect(result.status).toBe(row.status);
        expect(result.response.headers.get('Reason')).toBe(`SIP;cause=${row.cause};text="${row.reason}"`);
        expect(result.response.headers.get('Warning')).toMatch(/^399 px01 "/);
      }
    }),
  );

  it('meeting ended while the call is up → BYE with Reason "Meeting has ended"', () =>
    withNode([rule({})], async (node) => {
      const m = meet.service.createMeeting({ organizer: 'host@example.com' });
      const r = await dial(node, `sip:${m.meetingId}@vc.example.com`);
      expect(r.status).toBe(200);
      const reason = new Promise<string | undefined>((resolve) => r.dialog!.on('terminated', (e) => resolve(e.request?.headers.get('Reason'))));
      await new Promise((res) => setTimeout(res, 100));
      meet.service.endMeeting(m.meetingId);
      expect(outcomeFromReason(await reason)).toBe('MEETING_ENDED');
      expect(node.calls()[0]).toMatchObject({ outcome: 'CONNECTED', endCause: 'MEETING_ENDED', endedBy: 'meet' });
    }));

  it('Meet does not answer in time → 504', async () => {
    const silent: Server = createServer(() => {}); // accepts, never answers
    await new Promise<void>((r) => silent.listen(0, '127.0.28.21', r));
    try {
      const port = (silent.address() as { port: number }).port;
      await withNode([rule({})], async (node) => {
        const { outcome: got, result } = await outcome(node, `sip:${OPEN}@vc.example.com`);
        expect(got).toBe('MEET_TIMEOUT');
        expect(result.status).toBe(504);
      }, { meetUrl: `http://127.0.28.21:${port}`, meetTimeoutMs: 300 });
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});
