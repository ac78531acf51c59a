import { silentLogger } from '@gwsim/common';
import { defaultRules, validateRoutingConfig } from '@gwsim/dialplan';
import { DnsServer, sipZone } from '@gwsim/dns';
import { MediaSession, Ticker } from '@gwsim/media';
import { MeetServer } from '@gwsim/meet';
import { UdpTransport, UserAgent } from '@gwsim/sip';

/**
 * A Meet mock on `<base>.20` with tenant example.com (host@example.com), a trusted and an untrusted token,
 * and the node routing of DOMAIN.md (the default rule pair) plus `extra` (e.g. virtual_receptions).
 */
export async function meetAndRouting(base: string, cleanup: Array<() => Promise<unknown>>, extra: Record<string, unknown> = {}) {
  const meet = await MeetServer.start({ address: `${base}.20`, port: 0, adminKey: 'test-admin-key-1', logger: silentLogger });
  cleanup.push(() => meet.close());
  meet.service.createTenant({ domain: 'example.com', users: [{ email: 'host@example.com' }] });
  const trusted = meet.service.createToken('example.com', { name: 'trusted', trusted: true }).secret;
  const untrusted = meet.service.createToken('example.com', { name: 'untrusted', trusted: false }).secret;
  const routing = validateRoutingConfig({
    gms_access_tokens: [{ name: 'trusted', token: trusted }, { name: 'untrusted', token: untrusted }],
    rules: defaultRules({ trustedToken: 'trusted', untrustedToken: 'untrusted' }),
    ...extra,
  });
  return { meet, routing };
}

/**
 * The caller's side of a bridged call on `<base>`: DNS for vc.example.com naming px01 at `<base>.11` (NAPTR +
 * SRV), a SIP UA and a MediaSession (Opus, VP8 video and content) on `<base>.100`, and a 10 ms ticker.
 */
export async function callerSide(base: string, cleanup: Array<() => Promise<unknown>>, timers: { T1: number; T2: number; T4: number }) {
  const dns = await DnsServer.start({ address: `${base}.53`, port: 0, zone: sipZone({ domain: 'vc.example.com', nodes: [{ name: 'px01', address: `${base}.11` }], naptr: true }) });
  cleanup.push(() => dns.close());
  const caller = new UserAgent({ transport: await UdpTransport.create({ address: `${base}.100` }), timers });
  cleanup.push(() => caller.close());
  const session = await MediaSession.open({ address: `${base}.100`, audio: { codec: 'opus' }, video: { bitrate: 300_000 }, content: { bitrate: 150_000 }, rtcpIntervalMs: 500 });
  cleanup.push(() => session.close());
  const ticker = new Ticker({ intervalMs: 10 });
  cleanup.push(async () => ticker.stop());
  return { dns, caller, session, ticker };
}
