/** Dial forms (DOMAIN.md §1, §3, §4): hostname via SRV, gateway IP, sips:, Virtual Reception by DTMF. */
import { describeAnswer, waitForMedia, mediaSeen } from './caller.ts';
import { expectAnswered, expectInMeeting, fail } from './expect.ts';
import type { CaseContext, ConformanceCase } from './types.ts';
import type { DialSeen } from './caller.ts';

/** The first RFC 3263 target answered (no failover was needed), and it came from DNS. */
function expectFirstTargetAnswered(seen: DialSeen, what: string): void {
  const first = seen.attempts[0];
  if (!first) fail(`${what} answered by the first target DNS gave`, describeAnswer(seen));
  if (first.local || seen.attempts.length > 1) {
    const tried = seen.attempts.map((a) => `${a.local ? 'no answer (' + a.status + ' made up locally)' : `${a.status} ${a.reason}`} from ${a.host ?? '?'} (${a.target})`).join(', then ');
    fail(`${what} answered by the first target DNS gave`, tried);
  }
}

async function viaReception(ctx: CaseContext, method: 'rfc4733' | 'info'): Promise<void> {
  const dialString = ctx.reception()!;
  const open = ctx.dialTarget('open');
  const seen = await ctx.dial(ctx.caller('unregistered'), dialString, `reception-${method}`);
  const call = expectAnswered(seen, `the Virtual Reception ${dialString} to answer (200 OK)`);
  if (!(await waitForMedia(call, 'reception', 5000, ctx.signal))) fail('the Virtual Reception prompt (reception media) within 5000 ms of the answer', `media ${mediaSeen(call)}`);
  try {
    await call.sendDtmf(`${open.meetingId}#`, method);
  } catch (err) {
    fail(`the digits "${open.meetingId}#" accepted as ${method === 'info' ? 'SIP INFO (200 OK)' : 'RFC 4733 events'}`, (err as Error).message);
  }
  ctx.note(`keyed ${open.meetingId}# by ${method === 'info' ? 'SIP INFO' : 'RFC 4733'}`);
  await expectInMeeting(ctx, seen, ctx.timing.admitWithinMs);
}

export const DIAL_CASES: readonly ConformanceCase[] = [
  {
    id: 'GW-DIAL-001',
    version: 1,
    title: 'Dial by gateway hostname reaches the meeting through DNS SRV',
    rule: 'DOMAIN.md §1 and §4: Meet invites carry sip:<13 digits>@<gateway hostname>; endpoints resolve it by RFC 3263 (SRV, then A) to a Conferencing Node',
    tags: ['dial', 'dns', 'dns-routing'],
    places: 'one call from an unregistered VTC to sip:<open meeting>@<gateway hostname>, resolved through the DNS server',
    observes: 'the first node DNS gives answers (no failover needed), and the call reaches the meeting',
    needs: ['sip', 'dns'],
    targets: ['open'],
    async run(ctx) {
      const dialString = ctx.dialTarget('open').byHost('sip')!;
      const seen = await ctx.dial(ctx.caller('unregistered'), dialString, 'by-hostname');
      expectFirstTargetAnswered(seen, `${dialString}`);
      await expectInMeeting(ctx, seen, ctx.timing.admitWithinMs);
    },
  },
  {
    id: 'GW-DIAL-002',
    version: 1,
    title: 'Dial by gateway IP reaches the meeting without DNS',
    rule: 'DOMAIN.md §1 and §3: invites carry <13 digits>@<gateway IP>; the rule match_string (\\d{13})(@.*)? accepts it and the IP host is dropped from the alias',
    tags: ['dial'],
    places: 'one call from an unregistered VTC to <open meeting>@<gateway IP>',
    observes: 'the INVITE goes straight to the IP (no DNS), is answered, and the call reaches the meeting',
    needs: ['sip'],
    targets: ['open'],
    async run(ctx) {
      const dialString = ctx.dialTarget('open').byIp;
      const seen = await ctx.dial(ctx.caller('unregistered'), dialString, 'by-ip');
      const host = dialString.split('@')[1]!.split(/[:;]/)[0]!;
      if (seen.attempts.some((a) => a.address !== host)) fail(`every attempt sent to ${host}`, seen.attempts.map((a) => a.target).join(', '));
      await expectInMeeting(ctx, seen, ctx.timing.admitWithinMs);
    },
  },
  {
    id: 'GW-DIAL-003',
    version: 1,
    title: 'A sips: dial reaches the meeting over TLS through _sips._tcp',
    rule: 'DOMAIN.md §4: a sips: URI resolves through _sips._tcp SRV records (port 5061) and is sent over TLS (RFC 3263 §4.1)',
    tags: ['dial', 'dns', 'dns-routing', 'tls'],
    places: 'one call from an unregistered VTC to sips:<open meeting>@<gateway hostname>',
    observes: 'every attempt uses TLS, the first target DNS gives answers, and the call reaches the meeting',
    needs: ['sip', 'dns'],
    targets: ['open'],
    async run(ctx) {
      const dialString = ctx.dialTarget('open').byHost('sips')!;
      const seen = await ctx.dial(ctx.caller('unregistered'), dialString, 'sips');
      const notTls = seen.attempts.filter((a) => !a.target.startsWith('tls:'));
      if (notTls.length) fail('every attempt over TLS', notTls.map((a) => a.target).join(', '));
      expectFirstTargetAnswered(seen, dialString);
      await expectInMeeting(ctx, seen, ctx.timing.admitWithinMs);
    },
  },
  {
    id: 'GW-DIAL-004',
    version: 1,
    title: 'Virtual Reception: meeting ID keyed as RFC 4733 telephone-events',
    rule: 'DOMAIN.md §3: callers dial a Virtual Reception and enter the meeting ID with DTMF; the entered digits are routed again as a new alias',
    tags: ['dial', 'virtual-reception', 'dtmf'],
    places: 'one call from an unregistered VTC to the Virtual Reception, then "<open meeting>#" as RFC 4733 events',
    observes: 'the reception prompt, then the meeting',
    needs: ['sip', 'media', 'marked-media'],
    targets: ['open'],
    reception: true,
    run: (ctx) => viaReception(ctx, 'rfc4733'),
  },
  {
    id: 'GW-DIAL-005',
    version: 1,
    title: 'Virtual Reception: meeting ID keyed as SIP INFO',
    rule: 'DOMAIN.md §3: callers dial a Virtual Reception and enter the meeting ID with DTMF; the entered digits are routed again as a new alias',
    tags: ['dial', 'virtual-reception', 'dtmf'],
    places: 'one call from an unregistered VTC to the Virtual Reception, then "<open meeting>#" as SIP INFO (application/dtmf-relay)',
    observes: 'the reception prompt, every INFO answered 200, then the meeting',
    needs: ['sip', 'marked-media'],
    targets: ['open'],
    reception: true,
    run: (ctx) => viaReception(ctx, 'info'),
  },
];
