/** Media flows both ways with bounded loss (ARCHITECTURE.md "One call": endpoint RTP ⇄ node bridge ⇄ Meet). */
import { sleep } from '@gwsim/common';
import { RtpReceiveCount } from './caller.ts';
import { expectAnswered, expectInMeeting, fail } from './expect.ts';
import type { CaseContext, ConformanceCase } from './types.ts';

/** At most this fraction of packets may be lost, each way. */
export const MAX_LOSS = 0.05;
/** Packets sent just before the hang-up that may not have arrived when the node records the call's end. */
const IN_FLIGHT = 2;

const RULE = 'DOMAIN.md §5 and the call flow of ARCHITECTURE.md: a connected caller sends and receives RTP for as long as it is in the meeting';

/** Hold the connected call for the target's hold time (stops early when the case is stopped). */
async function hold(ctx: CaseContext): Promise<void> {
  await Promise.race([sleep(ctx.timing.holdMs), new Promise((r) => ctx.signal.addEventListener('abort', r, { once: true }))]);
}

/** Fewest packets a held call must carry: half of 20 ms frames over the hold. */
const minPackets = (ctx: CaseContext) => Math.floor(ctx.timing.holdMs / 20 / 2);

export const MEDIA_CASES: readonly ConformanceCase[] = [
  {
    id: 'GW-MEDIA-001',
    version: 1,
    title: 'RTP from the gateway reaches the caller with bounded loss',
    rule: RULE,
    tags: ['media'],
    places: 'one call from the unregistered VTC to <open meeting>@<gateway IP>, held in the meeting while sending 20 ms PCMU frames',
    observes: `RTP from the gateway during the hold (at least one packet per 40 ms), with at most ${MAX_LOSS * 100}% lost by sequence number`,
    needs: ['sip', 'media'],
    targets: ['open'],
    async run(ctx) {
      const seen = await ctx.dial(ctx.caller('unregistered'), ctx.dialTarget('open').byIp, 'media-from-gateway');
      const call = expectAnswered(seen);
      const rx = new RtpReceiveCount(call);
      call.startMedia();
      await expectInMeeting(ctx, seen, ctx.timing.admitWithinMs);
      const before = rx.received;
      await hold(ctx);
      const during = rx.received - before;
      if (during < minPackets(ctx)) fail(`RTP from the gateway: at least ${minPackets(ctx)} packets in ${ctx.timing.holdMs} ms`, `${during} packets (${rx.received} since the answer)`);
      if (rx.lossFraction > MAX_LOSS) fail(`at most ${MAX_LOSS * 100}% of the gateway's RTP lost`, `${rx.expected - rx.received} of ${rx.expected} lost (${(100 * rx.lossFraction).toFixed(1)}%)`);
      ctx.note(`received ${rx.received} of ${rx.expected} packets the gateway sent (${(100 * rx.lossFraction).toFixed(1)}% lost)`);
    },
  },
  {
    id: 'GW-MEDIA-002',
    version: 1,
    title: "The caller's RTP reaches the gateway with bounded loss",
    rule: RULE,
    tags: ['media'],
    places: 'one call from the unregistered VTC to <open meeting>@<gateway IP>, held in the meeting while sending 20 ms PCMU frames, then hung up',
    observes: `the node's record of the call counts at least ${100 - MAX_LOSS * 100}% of the packets the caller sent (the last ${IN_FLIGHT} may still be in flight at the hang-up)`,
    needs: ['sip', 'media', 'node-stats'],
    targets: ['open'],
    async run(ctx) {
      const seen = await ctx.dial(ctx.caller('unregistered'), ctx.dialTarget('open').byIp, 'media-to-gateway');
      const call = expectAnswered(seen);
      call.startMedia();
      await expectInMeeting(ctx, seen, ctx.timing.admitWithinMs);
      await hold(ctx);
      await call.hangup();
      const sent = call.rtp.stats.packetsOut;
      let node = ctx.nodeCall(seen.callId);
      for (let i = 0; i < 40 && node?.endedAt == null; i++) {
        await sleep(25);
        node = ctx.nodeCall(seen.callId);
      }
      if (!node?.rtp) fail("the node's record of the call with its RTP count", node ? 'a record without RTP counts' : `no record of Call-ID ${seen.callId}`);
      const got = node.rtp.packetsIn;
      if (sent < minPackets(ctx)) fail(`the caller to send at least ${minPackets(ctx)} packets`, `${sent}`);
      // The last packets sent may still be in flight when the BYE reaches the node: they do not count as lost.
      const lost = Math.max(0, sent - got - IN_FLIGHT);
      if (lost > sent * MAX_LOSS) fail(`the gateway to receive at least ${(100 - MAX_LOSS * 100).toFixed(0)}% of the caller's ${sent} packets`, `${got} received (${((100 * (sent - got)) / sent).toFixed(1)}% lost)`);
      ctx.note(`the node received ${got} of the ${sent} packets sent`);
    },
  },
];
