/**
 * DNS (DOMAIN.md §4): the published SRV targets answer, weights share calls within a priority, a failed
 * target falls over to the next priority, and NXDOMAIN / timeout faults are survived or reported.
 */
import { randomUUID } from 'node:crypto';
import { DnsClient, RR_TYPE, type SipZoneNode, type WireRecord } from '@gwsim/dns';
import { describeAnswer, hangup } from './caller.ts';
import { expectInMeeting, fail, NotApplicableHere } from './expect.ts';
import type { CaseContext, ConformanceCase } from './types.ts';

/** One SRV record with its target's address (from the glue, or asked for). */
export interface SrvTarget {
  priority: number;
  weight: number;
  port: number;
  target: string;
  address: string | null;
}

/** The SRV records of `name` and their addresses, as the DNS server publishes them ([] for NXDOMAIN/NODATA). */
export async function lookupSrv(server: { address: string; port: number }, name: string): Promise<SrvTarget[]> {
  const client = new DnsClient({ servers: [server], timeoutMs: 1500, retries: 1, cache: false });
  const answer = await client.query(name, RR_TYPE.SRV);
  const srv = answer.message.answers.filter((r): r is Extract<WireRecord, { type: 'SRV' }> => r.type === 'SRV');
  const glue = answer.message.additionals.filter((r): r is Extract<WireRecord, { type: 'A' }> => r.type === 'A');
  const out: SrvTarget[] = [];
  for (const r of srv) {
    let address = glue.find((a) => a.name.toLowerCase() === r.target.toLowerCase())?.address ?? null;
    if (!address) {
      const a = await client.query(r.target, RR_TYPE.A).catch(() => null);
      address = a?.message.answers.find((x): x is Extract<WireRecord, { type: 'A' }> => x.type === 'A')?.address ?? null;
    }
    out.push({ priority: r.priority, weight: r.weight, port: r.port, target: r.target, address });
  }
  return out;
}

const SERVICES = [
  { service: '_sip._udp', transport: 'udp' },
  { service: '_sip._tcp', transport: 'tcp' },
  { service: '_sips._tcp', transport: 'tls' },
] as const;

/** OPTIONS straight to one address; the answer, or null when none came within `ms`. */
async function options(ctx: CaseContext, transport: 'udp' | 'tcp' | 'tls', t: SrvTarget, ms: number): Promise<string | null> {
  const caller = ctx.caller('unregistered');
  const ua = await caller.vtc.userAgent(transport);
  const callId = `conformance-options-${randomUUID()}`;
  ctx.track(callId, `OPTIONS ${transport}:${t.address}:${t.port}`);
  const send = ua.send({ method: 'OPTIONS', uri: `sip:${t.target}`, from: caller.vtc.aor, callId, targets: [{ address: t.address!, port: t.port, transport, host: t.target }] });
  let timer: NodeJS.Timeout | undefined;
  const r = await Promise.race([send.catch(() => null), new Promise<null>((res) => (timer = setTimeout(() => res(null), ms)))]);
  clearTimeout(timer);
  const last = r?.attempts.at(-1);
  return r && last && !last.local ? `${r.response.status} ${r.response.reason}` : null;
}

/** Shares of first picks RFC 2782 gives each target of the best priority. */
function expectedShares(group: SrvTarget[]): Map<string, number> {
  const total = group.reduce((n, t) => n + t.weight, 0);
  return new Map(group.map((t) => [`${t.address}:${t.port}`, total === 0 ? 1 / group.length : t.weight / total]));
}

/** Case-owned DNS server for the main domain with these nodes, and a caller that resolves through it. */
async function ownDns(ctx: CaseContext, nodes: SipZoneNode[], faults?: unknown[]) {
  const dns = await ctx.startDns({ domain: ctx.domain!, nodes, faults });
  const caller = await ctx.startCaller({ name: 'dns-probe', dns, timers: { T1: 40 } });
  return { dns, caller };
}

/** The fault was actually met (the case would prove nothing otherwise). */
function expectFaultHit(dns: { faultsMatched(): number }, what: string): void {
  if (dns.faultsMatched() === 0) fail(`the caller to meet the fault (${what})`, 'the fault never matched a query');
}

const DNS_RULE = 'DOMAIN.md §4: endpoints resolve per RFC 3263; within a priority targets are chosen by weight (RFC 2782); on failure the next target is tried';

export const DNS_CASES: readonly ConformanceCase[] = [
  {
    id: 'GW-DNS-001',
    version: 1,
    title: 'Every SRV target of the gateway hostname answers SIP',
    rule: 'DOMAIN.md §4: the SRV records of the gateway hostname (_sip._udp, _sip._tcp, _sips._tcp) name the Conferencing Nodes that take calls',
    tags: ['dns', 'dns-routing'],
    places: 'no call: one OPTIONS to every target of every published SIP SRV record, over that record\'s transport',
    observes: 'a SIP answer from every target within 3 s',
    needs: ['sip', 'dns'],
    targets: [],
    async run(ctx) {
      let published = 0;
      const dead: string[] = [];
      for (const { service, transport } of SERVICES) {
        const records = await lookupSrv(ctx.dnsServer!, `${service}.${ctx.domain}`);
        published += records.length;
        for (const r of records) {
          const where = `${r.target} (${transport}:${r.address ?? '?'}:${r.port})`;
          const answer = r.address ? await options(ctx, transport, r, 3000) : null;
          if (answer) ctx.note(`${service}: ${where} answered ${answer}`);
          else dead.push(`${service} → ${where}: ${r.address ? 'no answer within 3000 ms' : 'no address'}`);
        }
      }
      if (published === 0) fail(`SIP SRV records for ${ctx.domain}`, 'none');
      if (dead.length) fail(`every SRV target of ${ctx.domain} to answer SIP (OPTIONS)`, dead.join('; '));
    },
  },
  {
    id: 'GW-DNS-002',
    version: 1,
    title: 'Calls are shared by weight among the SRV targets of one priority',
    rule: DNS_RULE,
    tags: ['dns', 'srv-weights'],
    places: '60 calls to sip:alice@<gateway hostname> (embedded: through a DNS server of the case whose two targets have weights 3 and 1)',
    observes: "each target's share of first attempts within 4 standard deviations (at least 0.15) of weight / total weight",
    needs: ['sip', 'dns'],
    targets: [],
    async run(ctx) {
      let caller = ctx.caller('unregistered');
      let group: SrvTarget[];
      if (ctx.has('topology-control')) {
        const nodes = ctx.liveNodes().slice(0, 2).map((n, i) => ({ ...n, priority: 10, weight: i === 0 ? 3 : 1 }));
        const own = await ownDns(ctx, nodes);
        caller = own.caller;
        group = nodes.map((n) => ({ priority: 10, weight: n.weight, port: n.sipPort ?? 5060, target: n.name, address: n.address }));
      } else {
        const records = await lookupSrv(ctx.dnsServer!, `_sip._${caller.vtc.transport === 'tls' ? 'tcp' : caller.vtc.transport}.${ctx.domain}`);
        const best = Math.min(...records.map((r) => r.priority));
        group = records.filter((r) => r.priority === best && r.address);
        if (group.length < 2) throw new NotApplicableHere(`the gateway hostname has ${group.length} SRV target(s) at its best priority: nothing to share by weight`);
      }
      const n = 60;
      const counts = new Map<string, number>();
      for (let i = 0; i < n; i += 6) {
        const batch = await Promise.all(Array.from({ length: Math.min(6, n - i) }, () => ctx.dial(caller, `sip:alice@${ctx.domain}`, 'weights')));
        for (const seen of batch) {
          if (!seen.attempts.length) fail(`every call to reach an SRV target`, describeAnswer(seen));
          const first = seen.attempts[0]!.target.replace(/^\w+:/, '');
          counts.set(first, (counts.get(first) ?? 0) + 1);
          await hangup(seen.call);
        }
      }
      const shares = expectedShares(group);
      const seenText = [...shares.keys()].map((k) => `${k} ${counts.get(k) ?? 0}/${n}`).join(', ');
      for (const [k, p] of shares) {
        const got = (counts.get(k) ?? 0) / n;
        const tolerance = Math.max(0.15, 4 * Math.sqrt((p * (1 - p)) / n));
        if (Math.abs(got - p) > tolerance) fail(`${k} to take ${(100 * p).toFixed(0)}% ± ${(100 * tolerance).toFixed(0)}% of first attempts`, seenText);
      }
      ctx.note(`first attempts: ${seenText}`);
    },
  },
  {
    id: 'GW-DNS-003',
    version: 1,
    title: 'A dead target fails over to the next priority',
    rule: DNS_RULE,
    tags: ['dns', 'failover'],
    places: 'one call to sip:<open meeting>@<gateway hostname> through a DNS server of the case: priority 10 names a dead node, priority 20 a live one',
    observes: 'the first attempt goes to the dead node and gets no answer, the call is then answered by the live node and reaches the meeting',
    needs: ['sip', 'topology-control'],
    targets: ['open'],
    async run(ctx) {
      const live = ctx.liveNodes()[0]!;
      const dead = ctx.deadAddress();
      const { caller } = await ownDns(ctx, [{ name: 'px09', address: dead, sipPort: 5060, priority: 10 }, { ...live, priority: 20 }]);
      const seen = await ctx.dial(caller, ctx.dialTarget('open').byHost('sip')!, 'failover');
      const first = seen.attempts[0];
      if (!first || first.address !== dead || !first.local) fail(`the first attempt to the dead node ${dead} to get no answer`, first ? `${first.status} ${first.reason} from ${first.target}` : describeAnswer(seen));
      if (seen.attempts.at(-1)?.address !== live.address) fail(`the call answered by the next priority's node ${live.address}`, describeAnswer(seen));
      ctx.note(`tried ${seen.attempts.map((a) => `${a.target} (${a.status}${a.local ? ', no answer' : ''})`).join(', then ')}`);
      await expectInMeeting(ctx, seen, ctx.timing.admitWithinMs);
    },
  },
  ...(['nxdomain', 'timeout'] as const).map(
    (kind, i): ConformanceCase => ({
      id: `GW-DNS-00${4 + i}`,
      version: 1,
      title: kind === 'nxdomain' ? 'A target whose name does not exist (NXDOMAIN) is skipped' : 'A target whose name does not resolve (DNS timeout) is skipped',
      rule: DNS_RULE,
      tags: ['dns', 'dns-faults'],
      places: `one call to sip:<open meeting>@<gateway hostname> through a DNS server of the case: the priority-10 node's address query gets ${kind === 'nxdomain' ? 'NXDOMAIN' : 'no answer'}, a priority-20 node is healthy`,
      observes: 'the fault is met, no INVITE goes to the unresolvable node, and the call is answered by the healthy node and reaches the meeting',
      needs: ['sip', 'topology-control'],
      targets: ['open'],
      async run(ctx) {
        const [bad, good] = ctx.liveNodes();
        const { dns, caller } = await ownDns(ctx, [{ ...bad!, priority: 10 }, { ...good!, priority: 20 }], [{ name: `${bad!.name}.${ctx.domain}`, kind }]);
        const seen = await ctx.dial(caller, ctx.dialTarget('open').byHost('sip')!, `dns-${kind}`);
        expectFaultHit(dns, `${kind} for ${bad!.name}.${ctx.domain}`);
        const wrong = seen.attempts.filter((a) => a.address !== good!.address);
        if (wrong.length || !seen.attempts.length) fail(`every attempt to the healthy node ${good!.address}`, seen.attempts.length ? seen.attempts.map((a) => a.target).join(', ') : describeAnswer(seen));
        await expectInMeeting(ctx, seen, ctx.timing.admitWithinMs);
      },
    }),
  ),
  {
    id: 'GW-DNS-006',
    version: 1,
    title: 'A gateway hostname that does not exist (NXDOMAIN) is reported, not dialled',
    rule: 'DOMAIN.md §4: RFC 3263 resolution of the gateway hostname; a name that does not exist leaves no target (RFC 3263 §4.3)',
    tags: ['dns', 'dns-faults'],
    places: 'one call to sip:<open meeting>@<gateway hostname> through a DNS server of the case that answers NXDOMAIN for the hostname and every name below it',
    observes: 'the fault is met and the caller reports a DNS failure within 3 s without sending an INVITE',
    needs: ['sip', 'topology-control'],
    targets: ['open'],
    async run(ctx) {
      const { dns, caller } = await ownDns(ctx, ctx.liveNodes(), [{ name: ctx.domain, kind: 'nxdomain' }, { name: `*.${ctx.domain}`, kind: 'nxdomain' }]);
      const started = Date.now();
      const seen = await ctx.dial(caller, ctx.dialTarget('open').byHost('sip')!, 'dns-nxdomain-domain');
      const took = Date.now() - started;
      expectFaultHit(dns, `nxdomain for ${ctx.domain}`);
      if (!seen.dnsError) fail('a DNS failure and no INVITE', describeAnswer(seen));
      if (took > 3000) fail('the DNS failure reported within 3000 ms', `${took} ms`);
      ctx.note(`${seen.dnsError} (${took} ms)`);
    },
  },
];
