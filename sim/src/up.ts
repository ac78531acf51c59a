/**
 * `gwsim up`: start a scenario's topology and keep it running for external tools (softphones, SIPp, dig,
 * a real gateway's tests), printing where everything is and what to dial.
 */
import type { Logger } from '@gwsim/common';
import type { LoadedScenario } from './scenario-file.ts';
import { Topology } from './topology.ts';

/** Where everything listens and what to dial, as text. Never prints a key or token secret. */
export function describeTopology(topo: Topology): string {
  const s = topo.loaded.scenario;
  const t = s.topology;
  const lines = [
    `DNS server   ${topo.dns.address}:${topo.dns.port} (UDP+TCP), zone ${t.dns.domain}`,
    `             try: dig @${topo.dns.address} -p ${topo.dns.port} _sip._udp.${t.dns.domain} SRV`,
  ];
  for (const [i, n] of topo.nodes.entries()) {
    const listening = n.listeners.map((l) => `${l.transport}:${l.port}`).join(' ');
    const bridge = t.nodes[i]?.bridge ? '  bridges media to Meet (WebRTC)' : '';
    const unlisted = t.nodes[i]?.srv === false ? '  not in DNS: dial by IP' : '';
    lines.push(`node ${n.name.padEnd(8)}${n.sipAddress.address}  SIP ${listening}${n.location ? `  location ${n.location}` : ''}${bridge}${unlisted}`);
    if (n.admin) lines.push(`             admin ${n.admin.url}/api/status  metrics ${n.admin.url}/metrics  (key: $GWSIM_ADMIN_KEY)`);
  }
  lines.push(`Meet mock    ${topo.meet.url}${process.env.GWSIM_MEET_ADMIN_KEY ? `  admin API ${topo.meet.url}/admin/v1 (key: $GWSIM_MEET_ADMIN_KEY)` : ''}`);
  lines.push('', 'Dial strings (from any SIP UA; by hostname through the DNS server, or by node IP on port 5060):');
  const width = Math.max(8, ...t.meetings.map((m) => m.label.length));
  for (const m of t.meetings) {
    const snap = topo.meeting(m.label);
    const dials = [snap.dialAddresses.sip, snap.dialAddresses.ip, snap.dialAddresses.sfb].filter(Boolean).join('   ');
    lines.push(`  ${m.label.padEnd(width)}  ${snap.meetingId}  ${dials || `(no dial addresses: ${noDialAddresses(topo, snap.tenant)})`}`);
  }
  for (const alias of topo.receptions) lines.push(`  Virtual Reception: sip:${alias} (key the meeting ID, then #)`);
  if (s.endpoints.length) lines.push('', `Simulated endpoints: ${s.endpoints.map((e) => `${e.name} ${e.address}`).join(', ')}`);
  return lines.join('\n');
}

/** Why Meet gives a tenant's meetings no dial addresses. */
function noDialAddresses(topo: Topology, tenant: string): string {
  const interop = topo.meet.service.getTenant(tenant).interop;
  if (interop.meetingIdLength === 'short') return 'short meeting IDs';
  return `${tenant} sets no gateway hostname or IP${interop.interopEnabled ? '' : ', and has interoperability off'}`;
}

/** Start the topology (endpoints register as the scenario asks) and return it running. */
export async function startUp(loaded: LoadedScenario, logger: Logger): Promise<Topology> {
  const topo = await Topology.start(loaded, logger);
  try {
    await topo.registerEndpoints();
  } catch (err) {
    await topo.close();
    throw err;
  }
  return topo;
}

/** Resolves on the first SIGINT or SIGTERM (or when `signal` aborts), with the signal's name. */
export function untilStopped(signal?: AbortSignal): Promise<string> {
  return new Promise((resolve) => {
    const done = (name: string) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      signal?.removeEventListener('abort', onAbort);
      resolve(name);
    };
    const onInt = () => done('SIGINT');
    const onTerm = () => done('SIGTERM');
    const onAbort = () => done('abort');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
    if (signal?.aborted) done('abort');
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}
