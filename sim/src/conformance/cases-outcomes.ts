/**
 * The rows of the outcome table (DOMAIN.md §5) not covered by the admission and video-lock cases: each
 * refusal's SIP answer with its Reason, and the after-answer column where a host action ends the call.
 */
import { OUTCOMES } from '@gwsim/node';
import { describeAnswer, waitForEnd } from './caller.ts';
import { expectByeFor, expectInMeeting, expectRefused, fail, type Refusal } from './expect.ts';
import type { CaseContext, ConformanceCase } from './types.ts';

const TABLE = 'DOMAIN.md §5';

/** A case that dials one target and expects the outcome table's refusal before answer. */
function refusal(init: { id: string; title: string; rule: string; target: string; code: Refusal; places: string; check?: (ctx: CaseContext, seen: Awaited<ReturnType<CaseContext['dial']>>) => void }): ConformanceCase {
  const o = OUTCOMES[init.code];
  return {
    id: init.id,
    version: 1,
    title: init.title,
    rule: `${TABLE}: ${init.rule} → ${o.status}, Reason cause=${o.cause}`,
    tags: ['outcome'],
    places: init.places,
    observes: `${o.status} with Reason cause=${o.cause} text="${o.reason}"${init.check ? ' and a Retry-After header' : ''}`,
    needs: ['sip'],
    targets: init.target === 'no-match' ? [] : [init.target],
    async run(ctx) {
      const dialString = init.target === 'no-match' ? ctx.noMatch() : ctx.dialTarget(init.target).byIp;
      const seen = await ctx.dial(ctx.caller('unregistered'), dialString, init.code.toLowerCase());
      expectRefused(seen, init.code);
      init.check?.(ctx, seen);
      ctx.note(describeAnswer(seen));
    },
  };
}

/** A connected call that the host's action ends: BYE with the outcome's Reason. */
function hostEnds(init: { id: string; title: string; rule: string; target: string; code: Refusal; action: string; act: (ctx: CaseContext, meetingId: string, displayName: string) => void }): ConformanceCase {
  const o = OUTCOMES[init.code];
  return {
    id: init.id,
    version: 1,
    title: init.title,
    rule: `${TABLE}: ${init.rule}`,
    tags: ['outcome', 'host-control'],
    places: `one call from the unregistered VTC to <${init.target} meeting>@<gateway IP>; once in the meeting, ${init.action}`,
    observes: `a BYE with Reason cause=${o.cause} text="${o.reason}"`,
    needs: ['sip', 'meet-control'],
    targets: [init.target],
    async run(ctx) {
      const caller = ctx.caller('unregistered');
      const t = ctx.dialTarget(init.target);
      const seen = await ctx.dial(caller, t.byIp, init.code.toLowerCase());
      await expectInMeeting(ctx, seen, ctx.timing.admitWithinMs);
      init.act(ctx, t.meetingId, caller.displayName);
      const end = await waitForEnd(seen.call!, ctx.timing.byeWithinMs, ctx.signal);
      expectByeFor(end, init.code, `within ${ctx.timing.byeWithinMs} ms of the host's action`);
      ctx.note(`BYE with Reason ${end!.reason}`);
    },
  };
}

function retryAfter(_ctx: CaseContext, seen: Awaited<ReturnType<CaseContext['dial']>>): void {
  const value = seen.header('Retry-After');
  if (!value || !/^\d+/.test(value.trim()) || Number.parseInt(value, 10) < 1) fail('a Retry-After header of at least 1 second on the 503', value ? `Retry-After: ${value}` : 'no Retry-After header');
}

export const OUTCOME_CASES: readonly ConformanceCase[] = [
  refusal({ id: 'GW-OUT-001', title: 'No rule matches: 404 "Neither conference nor gateway found"', rule: 'an alias that matches no Call Routing Rule', target: 'no-match', code: 'NO_MATCH', places: 'one call from the unregistered VTC to alice@<gateway IP>' }),
  refusal({ id: 'GW-OUT-002', title: 'Revoked access token: 403', rule: 'the rule\'s Google Meet access token has been revoked', target: 'token-revoked', code: 'TOKEN_INVALID', places: 'one call to <token-revoked meeting>@<gateway IP>, which a rule sends with a revoked token' }),
  refusal({ id: 'GW-OUT-003', title: 'Unknown access token: 403', rule: "the rule's Google Meet access token is unknown to the organization", target: 'token-unknown', code: 'TOKEN_INVALID', places: 'one call to <token-unknown meeting>@<gateway IP>, which a rule sends with a token Meet never issued' }),
  refusal({ id: 'GW-OUT-004', title: 'Interoperability off: 403', rule: 'interoperability is switched off for the organization', target: 'interop-off', code: 'INTEROP_DISABLED', places: 'one call to <interop-off meeting>@<gateway IP>, a meeting of an organization with interoperability off' }),
  refusal({ id: 'GW-OUT-005', title: 'Organizer outside the access scope: 403', rule: "the meeting's organizer is outside the interoperability OU/group scope", target: 'out-of-scope', code: 'OUT_OF_SCOPE', places: 'one call to <out-of-scope meeting>@<gateway IP>, organized by a user outside the scope' }),
  refusal({ id: 'GW-OUT-006', title: 'Unknown meeting ID: 404', rule: 'the meeting ID is unknown', target: 'unknown', code: 'MEETING_NOT_FOUND', places: 'one call to <13 digits no meeting has>@<gateway IP>' }),
  refusal({ id: 'GW-OUT-007', title: 'Meeting ended: 404', rule: 'the meeting has ended (before answer)', target: 'ended', code: 'MEETING_ENDED', places: 'one call to <ended meeting>@<gateway IP>' }),
  refusal({ id: 'GW-OUT-008', title: 'Meeting full: 486', rule: 'the meeting is at its participant capacity', target: 'full', code: 'MEETING_FULL', places: 'one call to <full meeting>@<gateway IP>' }),
  refusal({ id: 'GW-OUT-009', title: 'Node out of capacity: 503 with Retry-After', rule: 'the node is out of capacity (503 + Retry-After)', target: 'node-full', code: 'NODE_CAPACITY', places: 'one call to a node with no capacity left (<node-full meeting>@<that node>)', check: retryAfter }),
  refusal({ id: 'GW-OUT-010', title: 'Meet unreachable: 503', rule: 'the Meet service is unreachable', target: 'meet-down', code: 'MEET_UNAVAILABLE', places: 'one call to a node that cannot reach Meet (<meet-down meeting>@<that node>)' }),
  refusal({ id: 'GW-OUT-011', title: 'Meet does not answer: 504', rule: 'the Meet service times out', target: 'meet-slow', code: 'MEET_TIMEOUT', places: 'one call to a node whose Meet never answers (<meet-slow meeting>@<that node>)' }),
  hostEnds({
    id: 'GW-OUT-012',
    title: 'Meeting ended mid-call: BYE with Reason cause=404',
    rule: 'a meeting that ends while the caller is in it → BYE',
    target: 'end-midcall',
    code: 'MEETING_ENDED',
    action: 'the host ends the meeting',
    act: (ctx, id) => void ctx.meet().endMeeting(id),
  }),
  hostEnds({
    id: 'GW-OUT-013',
    title: 'Removed by the host: BYE with Reason cause=403',
    rule: 'the host removes the gateway participant → BYE (outcome REMOVED_BY_HOST, packages/node/src/outcomes.ts)',
    target: 'remove-midcall',
    code: 'REMOVED_BY_HOST',
    action: 'the host removes the participant',
    act(ctx, id, displayName) {
      const p = ctx.meet().getMeeting(id).participants.find((x) => x.kind === 'gateway' && x.displayName === displayName);
      if (!p) fail(`a participant "${displayName}" at Meet to remove`, 'none');
      ctx.meet().removeParticipant(id, p.id);
    },
  }),
];
