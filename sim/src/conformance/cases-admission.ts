/**
 * Trusted vs. untrusted admission, registration → trusted rule, knocking and the video lock
 * (DOMAIN.md §2, §3 and §5).
 */
import { sleep } from '@gwsim/common';
import type { ParticipantView } from '@gwsim/meet';
import { mediaSeen, waitForEnd, waitForMedia, type DialSeen } from './caller.ts';
import { expectAnswered, expectByeFor, expectInMeeting, expectRefused, fail, type Refusal } from './expect.ts';
import type { CaseContext, ConformanceCase } from './types.ts';

/** Poll Meet until `find` returns something (or the time passes); null when it never did. */
async function atMeet<T>(ctx: CaseContext, withinMs: number, find: () => T | undefined): Promise<T | null> {
  const until = Date.now() + withinMs;
  for (;;) {
    const v = find();
    if (v !== undefined) return v;
    if (Date.now() >= until || ctx.signal.aborted) return null;
    await sleep(50);
  }
}

/** Our gateway participant at Meet, in the meeting or in the lobby. */
function gatewayParticipant(ctx: CaseContext, meetingId: string, displayName: string): ParticipantView | undefined {
  const m = ctx.meet().getMeeting(meetingId);
  return m.participants.find((x) => x.kind === 'gateway' && x.displayName === displayName) ?? m.lobby.find((x) => x.displayName === displayName);
}

/** `"Boardroom" in the lobby (untrusted)` — where Meet has our gateway participant, for messages. */
function whereAtMeet(ctx: CaseContext, meetingId: string, displayName: string): string {
  const p = gatewayParticipant(ctx, meetingId, displayName);
  if (!p) return `no participant "${displayName}" at Meet`;
  return `"${displayName}" ${p.state === 'lobby' ? 'in the lobby' : 'in the meeting'} (${p.trusted ? 'trusted' : 'untrusted'})`;
}

/**
 * A knock that ends without admission (DOMAIN.md §5, knock rows): answered, waiting (lobby media), then a BYE
 * naming the cause — or, for a gateway that holds waiting callers in 180/183, refused with that cause.
 */
async function expectKnockEnds(ctx: CaseContext, seen: DialSeen, code: Refusal, withinMs: number, waitingSeen: boolean): Promise<void> {
  if (!seen.call) {
    expectRefused(seen, code);
    ctx.note('refused before answer (the gateway holds waiting callers in 180/183)');
    return;
  }
  const call = seen.call;
  if (waitingSeen && ctx.has('marked-media') && !(await waitForMedia(call, 'lobby', Math.min(withinMs, 5000), ctx.signal))) {
    fail('lobby media (the waiting screen) while the caller knocks', `media ${mediaSeen(call)}`);
  }
  const end = await waitForEnd(call, withinMs, ctx.signal);
  expectByeFor(end, code, `within ${withinMs} ms`);
  if (call.mediaStates.some((m) => m.state === 'meeting')) fail('no meeting media (the caller was never admitted)', `media ${mediaSeen(call)}`);
  ctx.note(`media ${mediaSeen(call)}; BYE with Reason ${end!.reason}`);
}

const KNOCK_RULE = 'DOMAIN.md §2 and §5: an untrusted participant knocks and waits (the node answers and shows a waiting screen); denial, knock timeout and nobody-to-admit are distinct outcomes, sent as BYE with a Reason after answer';

export const ADMISSION_CASES: readonly ConformanceCase[] = [
  {
    id: 'GW-TRUST-001',
    version: 1,
    title: 'A registered caller matches the trusted rule and joins without knocking',
    rule: 'DOMAIN.md §3: rules are checked in ascending priority; the registered-callers-only rule (priority 10) gives the trusted token, so a registered caller joins directly (§2)',
    tags: ['admission', 'registration', 'trusted'],
    places: 'one call from the registered VTC to <open meeting>@<gateway IP> (that meeting admits knocks after a delay)',
    observes: 'meeting media arrives with no lobby media before it',
    needs: ['sip', 'registration', 'marked-media'],
    targets: ['open'],
    async run(ctx) {
      const seen = await ctx.dial(ctx.caller('registered'), ctx.dialTarget('open').byIp, 'registered');
      const call = expectAnswered(seen);
      if (!(await waitForMedia(call, 'meeting', ctx.timing.admitWithinMs, ctx.signal))) fail('meeting media (a trusted join)', `media ${mediaSeen(call)}`);
      if (call.mediaStates.some((m) => m.state === 'lobby')) fail('meeting media with no lobby media before it (a trusted join does not knock)', `media ${mediaSeen(call)}: the caller knocked, so it got the untrusted token`);
      ctx.note(`media ${mediaSeen(call)}`);
    },
  },
  {
    id: 'GW-TRUST-002',
    version: 1,
    title: 'Meet sees a registered caller as a trusted participant',
    rule: 'DOMAIN.md §3 and §2: match_incoming_only_if_registered selects the trusted token; with it the gateway participant joins as a member of the organization',
    tags: ['admission', 'registration', 'trusted'],
    places: 'one call from the registered VTC to <trust meeting>@<gateway IP> (nobody answers knocks there)',
    observes: "Meet lists the caller's participant in the meeting, trusted, never in the lobby",
    needs: ['sip', 'registration', 'meet-control'],
    targets: ['trust'],
    async run(ctx) {
      const caller = ctx.caller('registered');
      const t = ctx.dialTarget('trust');
      const seen = await ctx.dial(caller, t.byIp, 'registered-at-meet');
      expectAnswered(seen);
      // Wait until Meet has the participant anywhere (in the meeting or knocking), then judge where it is.
      const found = await atMeet(ctx, ctx.timing.admitWithinMs, () => gatewayParticipant(ctx, t.meetingId, caller.displayName));
      const where = whereAtMeet(ctx, t.meetingId, caller.displayName);
      if (!found || found.state !== 'joined' || !found.trusted) fail(`a trusted participant "${caller.displayName}" in the meeting at Meet`, where);
      ctx.note(`Meet: ${where}`);
    },
  },
  {
    id: 'GW-TRUST-003',
    version: 1,
    title: 'An unregistered caller gets the untrusted token and knocks',
    rule: 'DOMAIN.md §3 and §2: callers that are not registered fall through to the everyone rule (priority 20) with the untrusted token, and knock',
    tags: ['admission', 'registration', 'untrusted'],
    places: 'one call from the unregistered VTC to <knock meeting>@<gateway IP> (nobody answers knocks there)',
    observes: "the call is answered while Meet lists the caller's participant in the lobby, untrusted",
    needs: ['sip', 'meet-control'],
    targets: ['knock'],
    async run(ctx) {
      const caller = ctx.caller('unregistered');
      const t = ctx.dialTarget('knock');
      const seen = await ctx.dial(caller, t.byIp, 'unregistered-at-meet');
      expectAnswered(seen, 'the call answered (200 OK) while it knocks');
      const found = await atMeet(ctx, ctx.timing.admitWithinMs, () => gatewayParticipant(ctx, t.meetingId, caller.displayName));
      const where = whereAtMeet(ctx, t.meetingId, caller.displayName);
      if (!found || found.state !== 'lobby' || found.trusted) fail(`an untrusted participant "${caller.displayName}" in the lobby at Meet`, where);
      ctx.note(`Meet: ${where}`);
    },
  },
  {
    id: 'GW-ADMIT-001',
    version: 1,
    title: 'Knock → admitted: the caller waits in the lobby, then reaches the meeting',
    rule: KNOCK_RULE,
    tags: ['admission', 'knock', 'untrusted'],
    places: 'one call from the unregistered VTC to <open meeting>@<gateway IP>, whose host admits knocks after a short delay',
    observes: 'lobby media (the waiting screen) first, then meeting media',
    needs: ['sip', 'marked-media'],
    targets: ['open'],
    async run(ctx) {
      const seen = await ctx.dial(ctx.caller('unregistered'), ctx.dialTarget('open').byIp, 'knock-admitted');
      const call = expectAnswered(seen);
      if (!(await waitForMedia(call, 'lobby', 5000, ctx.signal))) fail('lobby media (the waiting screen) while the caller knocks', `media ${mediaSeen(call)}`);
      await expectInMeeting(ctx, seen, ctx.timing.admitWithinMs);
    },
  },
  {
    id: 'GW-ADMIT-002',
    version: 1,
    title: 'Knock → denied: BYE with Reason cause=603',
    rule: KNOCK_RULE,
    tags: ['admission', 'knock', 'outcome'],
    places: 'one call from the unregistered VTC to <denies meeting>@<gateway IP>, whose host denies knocks',
    observes: 'lobby media while waiting, then a BYE with Reason cause=603 "Request to join was denied"; never meeting media',
    needs: ['sip', 'marked-media'],
    targets: ['denies'],
    async run(ctx) {
      const seen = await ctx.dial(ctx.caller('unregistered'), ctx.dialTarget('denies').byIp, 'knock-denied');
      await expectKnockEnds(ctx, seen, 'KNOCK_DENIED', ctx.timing.admitWithinMs + ctx.timing.byeWithinMs, true);
    },
  },
  {
    id: 'GW-ADMIT-003',
    version: 1,
    title: 'Knock → timed out: BYE with Reason cause=408 after the knock timeout',
    rule: KNOCK_RULE,
    tags: ['admission', 'knock', 'outcome'],
    places: 'one call from the unregistered VTC to <ignores meeting>@<gateway IP>, where nobody answers knocks',
    observes: 'lobby media while waiting, then — not before 80% of the knock timeout — a BYE with Reason cause=408 "Nobody admitted the caller in time"',
    needs: ['sip', 'marked-media'],
    targets: ['ignores'],
    budgetMs: (t) => t.knockTimeoutMs + t.byeWithinMs + 10_000,
    async run(ctx) {
      const started = Date.now();
      const seen = await ctx.dial(ctx.caller('unregistered'), ctx.dialTarget('ignores').byIp, 'knock-timeout');
      await expectKnockEnds(ctx, seen, 'KNOCK_TIMEOUT', ctx.timing.knockTimeoutMs + ctx.timing.byeWithinMs, true);
      const took = Date.now() - started;
      if (took < 0.8 * ctx.timing.knockTimeoutMs) fail(`the knock to end after about the knock timeout (${ctx.timing.knockTimeoutMs} ms)`, `it ended after ${took} ms`);
    },
  },
  {
    id: 'GW-ADMIT-004',
    version: 1,
    title: 'Knock with nobody in the meeting: BYE with Reason cause=408',
    rule: KNOCK_RULE,
    tags: ['admission', 'knock', 'outcome'],
    places: 'one call from the unregistered VTC to <empty meeting>@<gateway IP>, which has nobody in it',
    observes: 'a BYE with Reason cause=408 "Nobody in the meeting to admit the caller" (or that refusal before answer); never meeting media',
    needs: ['sip'],
    targets: ['empty'],
    async run(ctx) {
      const seen = await ctx.dial(ctx.caller('unregistered'), ctx.dialTarget('empty').byIp, 'nobody-to-admit');
      await expectKnockEnds(ctx, seen, 'NOBODY_TO_ADMIT', ctx.timing.admitWithinMs, false);
    },
  },
  {
    id: 'GW-VLOCK-001',
    version: 1,
    title: 'Video lock on: the join is refused with 403',
    rule: 'DOMAIN.md §2 and §5: when the host has turned "Turn on their video" off, VTCs cannot join — 403 with a Reason before answer',
    tags: ['video-lock', 'outcome'],
    places: 'one call from the unregistered VTC to <video-locked meeting>@<gateway IP>',
    observes: '403 with Reason cause=403 "Host has turned off video for participants"',
    needs: ['sip'],
    targets: ['video-locked'],
    async run(ctx) {
      const seen = await ctx.dial(ctx.caller('unregistered'), ctx.dialTarget('video-locked').byIp, 'video-locked');
      expectRefused(seen, 'VIDEO_LOCKED');
    },
  },
  {
    id: 'GW-VLOCK-002',
    version: 1,
    title: 'Video lock switched on mid-call: the participant is removed',
    rule: 'DOMAIN.md §2 and §5: a gateway participant already in the meeting when the lock is switched on is removed — BYE with Reason cause=403',
    tags: ['video-lock', 'outcome'],
    places: 'one call from the unregistered VTC to <lock-midcall meeting>@<gateway IP>; once in the meeting, the host switches the video lock on',
    observes: 'a BYE with Reason cause=403 "Host has turned off video for participants", and the participant gone from Meet',
    needs: ['sip', 'meet-control'],
    targets: ['lock-midcall'],
    async run(ctx) {
      const caller = ctx.caller('unregistered');
      const t = ctx.dialTarget('lock-midcall');
      const seen = await ctx.dial(caller, t.byIp, 'lock-midcall');
      await expectInMeeting(ctx, seen, ctx.timing.admitWithinMs);
      ctx.meet().setHost(t.meetingId, { videoLock: true });
      try {
        const end = await waitForEnd(seen.call!, ctx.timing.byeWithinMs, ctx.signal);
        expectByeFor(end, 'VIDEO_LOCKED', `within ${ctx.timing.byeWithinMs} ms of the lock`);
        const still = whereAtMeet(ctx, t.meetingId, caller.displayName);
        if (!still.startsWith('no participant')) fail(`no participant "${caller.displayName}" at Meet after the lock`, still);
        ctx.note(`BYE with Reason ${end!.reason}; gone from Meet`);
      } finally {
        ctx.meet().setHost(t.meetingId, { videoLock: false });
      }
    },
  },
];
