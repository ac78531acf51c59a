import { silentLogger } from '@gwsim/common';
import { defaultRules, validateRoutingConfig } from '@gwsim/dialplan';
import { DnsServer, sipZone } from '@gwsim/dns';
import { MeetServer } from '@gwsim/meet';
import { ConferencingNode, type ListenerSpec } from '@gwsim/node';
import type { TransportAddress, TransportProtocol } from '@gwsim/sip';

export const timers = { T1: 50, T2: 400, T4: 500 };

/** Meetings every gateway here has: what happens to a caller dialling each. */
export const MEETINGS = {
  /** trusted: joins at once; untrusted: knocks, admitted after 300 ms. */
  open: '7000000000001',
  /** untrusted: knocks, denied after 200 ms → BYE, Reason cause=603. */
  denies: '7000000000002',
  /** "Turn on their video" off → 403. */
  videoLocked: '7000000000003',
} as const;

/** The Virtual Reception alias: the caller keys a meeting ID with DTMF. */
export const RECEPTION = 'meet@vc.example.com';

export interface Gateway {
  meet: MeetServer;
  node: ConferencingNode;
  dns: DnsServer;
  listener(transport: TransportProtocol): TransportAddress;
  close(): Promise<void>;
}

export interface GatewayOptions {
  /** The node bridges media to Meet over WebRTC (node option `bridge`). */
  bridge?: boolean;
  /** Added to the hosts' last octet (node .11, Meet .20, DNS .53), so two gateways can share a block. */
  hostOffset?: number;
}

/**
 * A real Meet mock, a Conferencing Node with the given listeners and the default trusted/untrusted rules,
 * a Virtual Reception (`RECEPTION`), and a DNS server for `vc.example.com`, all on `<block>.x` addresses.
 * `sipZone` gives `_sip._udp` and `_sip._tcp` one port: here the TCP listener's (UDP's when there is no
 * TCP listener), so a UDP caller needs a node without TCP; `_sips._tcp` points at the TLS listener.
 */
export async function startGateway(block: string, listeners: ListenerSpec[], options: GatewayOptions = {}): Promise<Gateway> {
  const open: Array<{ close(): Promise<void> }> = [];
  const host = (n: number) => `${block}.${n + (options.hostOffset ?? 0)}`;
  try {
    const meet = await MeetServer.start({ address: host(20), port: 0, adminKey: 'endpoint-test-admin-key' });
    open.push(meet);
    meet.service.createTenant({ domain: 'example.com', users: [{ email: 'host@example.com' }] });
    meet.service.createMeeting({ organizer: 'host@example.com', meetingId: MEETINGS.open, onKnock: { kind: 'admit', afterMs: 300 } });
    meet.service.createMeeting({ organizer: 'host@example.com', meetingId: MEETINGS.denies, onKnock: { kind: 'deny', afterMs: 200 } });
    meet.service.createMeeting({ organizer: 'host@example.com', meetingId: MEETINGS.videoLocked, videoLock: true });
    const t = meet.service.createToken('example.com', { name: 't', trusted: true }).secret;
    const u = meet.service.createToken('example.com', { name: 'u', trusted: false }).secret;
    const routing = validateRoutingConfig({
      gms_access_tokens: [{ name: 't', token: t }, { name: 'u', token: u }],
      rules: defaultRules({ trustedToken: 't', untrustedToken: 'u' }),
      virtual_receptions: [{ name: 'Meet lobby', alias: RECEPTION, match_string: '\\d{13}' }],
    });
    const node = await ConferencingNode.start({ name: 'px01', address: host(11), routing, meetUrl: meet.url, timers, logger: silentLogger, listeners, bridge: options.bridge });
    open.push(node);
    const listener = (transport: TransportProtocol): TransportAddress => {
      const l = node.listeners.find((x) => x.transport === transport);
      if (!l) throw new Error(`the node has no ${transport} listener`);
      return { address: l.address, port: l.port };
    };
    const has = (t: TransportProtocol) => node.listeners.some((x) => x.transport === t);
    const sipPort = has('tcp') ? listener('tcp').port : has('udp') ? listener('udp').port : undefined;
    const zone = sipZone({ domain: 'vc.example.com', nodes: [{ name: 'px01', address: host(11), sipPort, sipsPort: has('tls') ? listener('tls').port : undefined }] });
    const dns = await DnsServer.start({ address: host(53), port: 0, zone });
    open.push(dns);
    return {
      meet,
      node,
      dns,
      listener,
      close: async () => {
        while (open.length) await open.pop()!.close();
      },
    };
  } catch (err) {
    while (open.length) await open.pop()!.close();
    throw err;
  }
}
