import { silentLogger } from '@gwsim/common';
import { defaultRules, validateRoutingConfig } from '@gwsim/dialplan';
import { createOffer, serializeSdp } from '@gwsim/media';
import { MeetServer } from '@gwsim/meet';
import { TcpTransport, UdpTransport, UserAgent, WsTransport, type Transport, type TransportProtocol } from '@gwsim/sip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConferencingNode } from '../src/index.ts';

/** The node listens on UDP, TCP and WS at its own address; a call over each reaches the meeting. */
let meet: MeetServer;
let node: ConferencingNode;

beforeAll(async () => {
  meet = await MeetServer.start({ address: '127.0.33.20', port: 0, adminKey: 'listen-admin-key' });
  meet.service.createTenant({ domain: 'example.com', users: [{ email: 'host@example.com' }] });
  meet.service.createMeeting({ organizer: 'host@example.com', meetingId: '8000000000001' });
  const t = meet.service.createToken('example.com', { name: 't', trusted: true }).secret;
  const routing = validateRoutingConfig({ gms_access_tokens: [{ name: 't', token: t }], rules: defaultRules({ trustedToken: 't', untrustedToken: 't' }) });
  node = await ConferencingNode.start({ name: 'px01', address: '127.0.33.11', routing, meetUrl: meet.url, logger: silentLogger, listeners: [{ transport: 'udp' }, { transport: 'tcp' }, { transport: 'ws' }] });
});
afterAll(async () => {
  await node?.close();
  await meet?.close();
});

const transports: Record<string, (address: string) => Promise<Transport>> = {
  udp: (address) => UdpTransport.create({ address }),
  tcp: (address) => TcpTransport.create({ address }),
  ws: (address) => WsTransport.create({ address }),
};

describe('Conferencing Node listeners', () => {
  it('reports one listener per transport on the node address', () => {
    expect(node.listeners.map((l) => [l.transport, l.address])).toEqual([['udp', '127.0.33.11'], ['tcp', '127.0.33.11'], ['ws', '127.0.33.11']]);
  });

  it.each(['udp', 'tcp', 'ws'] as TransportProtocol[])('a call over %s connects and ends with BYE', async (protocol) => {
    const caller = new UserAgent({ transport: await transports[protocol]!('127.0.33.100') });
    try {
      const listener = node.listeners.find((l) => l.transport === protocol)!;
      const r = await caller.invite({ destination: listener, uri: 'sip:8000000000001@vc.example.com', from: 'sip:room@example.com', body: serializeSdp(createOffer({ address: '127.0.33.100', audioPort: 40000 })) }).result;
      expect(r.status).toBe(200);
      expect(node.calls().find((c) => c.sipCallId === r.dialog!.callId)).toMatchObject({ outcome: 'CONNECTED' });
      expect((await r.dialog!.bye()).status).toBe(200);
    } finally {
      await caller.close();
    }
  });

  it('a TLS listener without a certificate is a configuration error naming the field', async () => {
    await expect(ConferencingNode.start({ name: 'px02', address: '127.0.33.12', routing: validateRoutingConfig({}), meetUrl: meet.url, listeners: [{ transport: 'tls' }] })).rejects.toThrow('listeners[0].tls: a tls listener needs tls.key and tls.cert (PEM)');
  });
});
