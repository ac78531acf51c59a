/**
 * Verdicts from inside a case: a case throws `CaseFailure` ("expected …, saw …") or `NotApplicableHere`
 * (the target turned out not to offer what the case checks), and returns normally when it passed. The
 * helpers compare what the caller saw with the outcome table (DOMAIN.md §5, packages/node/src/outcomes.ts).
 */
import type { CallEnd } from '@gwsim/endpoint';
import { OUTCOMES } from '@gwsim/node';
import { parseReason } from '@gwsim/sip';
import { describeAnswer, mediaSeen, waitForEnd, waitForMedia, type DialSeen } from './caller.ts';
import type { CaseContext } from './types.ts';

/** The case saw something other than what the rule says. */
export class CaseFailure extends Error {
  constructor(expected: string, saw: string) {
    super(`expected ${expected}, saw ${saw}`);
    this.name = 'CaseFailure';
  }
}

/** Found while running: the target does not offer what the case checks (e.g. one SRV target only). */
export class NotApplicableHere extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'NotApplicableHere';
  }
}

export function fail(expected: string, saw: string): never {
  throw new CaseFailure(expected, saw);
}

export type Refusal = keyof typeof OUTCOMES;

/** `403 with Reason SIP;cause=403;text="…"` */
export function describeRefusal(code: Refusal): string {
  const o = OUTCOMES[code];
  return `${o.status} with Reason cause=${o.cause} text="${o.reason}" (${code})`;
}

/** Whether a Reason header names this outcome (SIP protocol, its cause and its text). */
export function reasonNames(header: string | null, code: Refusal): boolean {
  if (!header) return false;
  const o = OUTCOMES[code];
  try {
    return parseReason(header).some((r) => r.protocol.toUpperCase() === 'SIP' && r.cause === o.cause && r.text === o.reason);
  } catch {
    return false;
  }
}

/** The call was refused before answer as the outcome table says: status, and a Reason naming the cause. */
export function expectRefused(seen: DialSeen, code: Refusal): void {
  const o = OUTCOMES[code];
  if (seen.status !== o.status || !reasonNames(seen.header('Reason'), code)) fail(describeRefusal(code), describeAnswer(seen));
}

/** An answered call ended by the gateway with a BYE whose Reason names the outcome. */
export function expectByeFor(end: CallEnd | null, code: Refusal, within: string): void {
  const o = OUTCOMES[code];
  const expected = `a BYE from the gateway ${within} with Reason cause=${o.cause} text="${o.reason}" (${code})`;
  if (!end) fail(expected, 'the call still up');
  if (end.by !== 'remote') fail(expected, 'the call ended by the caller');
  if (!reasonNames(end.reason, code)) fail(expected, `a BYE with ${end.reason ? `Reason ${end.reason}` : 'no Reason header'}`);
}

/** The dial was answered 200; fails with what was seen otherwise. */
export function expectAnswered(seen: DialSeen, what = 'the call answered (200 OK)'): NonNullable<DialSeen['call']> {
  if (!seen.call) fail(what, describeAnswer(seen));
  return seen.call;
}

/**
 * The answered call reached the meeting. With marked media: meeting media arrived within `withinMs`.
 * Without (a gateway that does not mark its media): the call was still up after the hold.
 */
export async function expectInMeeting(ctx: CaseContext, seen: DialSeen, withinMs: number): Promise<void> {
  const call = expectAnswered(seen);
  if (ctx.has('marked-media')) {
    if (!(await waitForMedia(call, 'meeting', withinMs, ctx.signal))) {
      const end = await waitForEnd(call, 0, ctx.signal);
      const ended = end ? `, then ${end.by === 'remote' ? `a BYE${end.reason ? ` with Reason ${end.reason}` : ''}` : 'the call ended'}` : '';
      fail(`meeting media within ${withinMs} ms of the answer`, `media ${mediaSeen(call)}${ended}`);
    }
    ctx.note(`answered ${seen.setupMs.toFixed(0)} ms after the INVITE by ${seen.attempts.at(-1)?.target}; media ${mediaSeen(call)}`);
    return;
  }
  const end = await waitForEnd(call, ctx.timing.holdMs, ctx.signal);
  if (end) fail(`the answered call still up after ${ctx.timing.holdMs} ms`, `${end.by === 'remote' ? 'a BYE from the gateway' : 'the call ended'}${end.reason ? ` with Reason ${end.reason}` : ''}`);
  ctx.note(`answered by ${seen.attempts.at(-1)?.target} and still up after ${ctx.timing.holdMs} ms (the target does not mark its media: lobby and meeting look alike)`);
}
