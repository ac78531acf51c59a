import { FakeClock } from '@gwsim/common';
import { describe, expect, it } from 'vitest';
import { createRequest, createResponse, TransactionLayer, type SipRequest, type SipResponse } from '../src/index.ts';
import { FakeTransport } from './support/fake-transport.ts';

const PEER = { address: '127.0.0.2', port: 5062 };

function invite(method = 'INVITE'): SipRequest {
  return createRequest({
    method,
    uri: 'sip:1234567890123@127.0.0.2',
    via: { transport: 'UDP', host: '127.0.0.1', port: 5060, branch: 'z9hG4bKtest1' },
    from: '<sip:room@example.com>;tag=ft',
    to: '<sip:1234567890123@127.0.0.2>',
    callId: 'cid-1',
    cseq: 1,
  });
}

function reply(status: number, method = 'INVITE', toTag = 'tt'): string {
  return `SIP/2.0 ${status} X\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKtest1\nFrom: <sip:room@example.com>;tag=ft\nTo: <sip:1234567890123@127.0.0.2>;tag=${toTag}\nCall-ID: cid-1\nCSeq: 1 ${method}\nContent-Length: 0\n\n`;
}

function setup(reliable = false) {
  const clock = new FakeClock();
  const transport = new FakeTransport(reliable);
  const layer = new TransactionLayer({ transport, clock });
  const seen: Array<number | string> = [];
  const user = { onResponse: (r: SipResponse) => seen.push(r.status), onFailure: (k: string) => seen.push(k) };
  return { clock, transport, layer, seen, user };
}

describe('INVITE client transaction (RFC 3261 §17.1.1)', () => {
  it('retransmits on Timer A (T1, 2T1, 4T1…) over UDP and gives up with a timeout at Timer B = 64*T1', () => {
    const { clock, transport, layer, seen, user } = setup();
    layer.sendRequest(invite(), PEER, user);
    const sendTimes: number[] = [];
    let last = 1;
    for (let t = 0; t <= 32_000; t += 100) {
      clock.advance(100);
      if (transport.sent.length !== last) {
        last = transport.sent.length;
        sendTimes.push(clock.now());
      }
    }
    // initial send at 0, then 500, 1500, 3500, 7500, 15500, 31500
    expect(sendTimes).toEqual([500, 1500, 3500, 7500, 15500, 31500]);
    expect(seen).toEqual(['timeout']);
    expect(layer.sizes.client).toBe(0);
  });

  it('does not retransmit over a reliable transport', () => {
    const { clock, transport, layer, user } = setup(true);
    layer.sendRequest(invite(), PEER, user);
    clock.advance(10_000);
    expect(transport.sent).toHaveLength(1);
  });

  it('stops retransmitting on a provisional response and ACKs a non-2xx final response in the same transaction', () => {
    const { clock, transport, layer, seen, user } = setup();
    layer.sendRequest(invite(), PEER, user);
    transport.receive(reply(180));
    clock.advance(60_000); // no Timer B in Proceeding: a call held in 180 (a lobby) does not time out
    expect(transport.sent).toHaveLength(1);
    expect(seen).toEqual([180]);
    transport.receive(reply(486));
    expect(seen).toEqual([180, 486]);
    const ack = transport.sent[1]!.msg as SipRequest;
    expect(ack.method).toBe('ACK');
    expect(ack.via.branch).toBe('z9hG4bKtest1');
    expect(ack.toTag).toBe('tt');
    expect(ack.cseq).toEqual({ seq: 1, method: 'ACK' });
    // a retransmitted final response is absorbed and re-ACKed, not passed up
    transport.receive(reply(486));
    expect(seen).toEqual([180, 486]);
    expect(transport.sent.map((s) => (s.msg as SipRequest).method)).toEqual(['INVITE', 'ACK', 'ACK']);
    clock.advance(32_000); // Timer D
    expect(layer.sizes.client).toBe(0);
  });

  it('passes 2xx retransmissions to the TU while Accepted (RFC 6026) and terminates on Timer M', () => {
    const { clock, transport, layer, seen, user } = setup();
    layer.sendRequest(invite(), PEER, user);
    transport.receive(reply(200));
    transport.receive(reply(200));
    expect(seen).toEqual([200, 200]);
    clock.advance(64 * 500);
    expect(layer.sizes.client).toBe(0);
  });

  it('reports a transport failure instead of throwing', () => {
    const { transport, layer, seen, user } = setup();
    transport.failSends = true;
    expect(() => layer.sendRequest(invite(), PEER, user)).not.toThrow();
    return new Promise<void>((resolve) => setImmediate(() => {
      expect(seen).toEqual(['transport']);
      resolve();
    }));
  });
});

describe('non-INVITE client transaction (§17.1.2)', () => {
  it('doubles Timer E up to T2 and times out at Timer F', () => {
    const { clock, transport, layer, seen, user } = setup();
    layer.sendRequest(invite('OPTIONS'), PEER, user);
    const times: number[] = [];
    let last = 1;
    for (let t = 0; t < 32_000; t += 100) {
      clock.advance(100);
      if (transport.sent.length !== last) {
        last = transport.sent.length;
        times.push(clock.now());
      }
    }
    expect(times.slice(0, 6)).toEqual([500, 1500, 3500, 7500, 11500, 15500]);
    expect(seen).toEqual(['timeout']);
  });
});

describe('server transactions (§17.2)', () => {
  const INVITE_IN = `INVITE sip:x@127.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.2:5062;branch=z9hG4bKsrv\nFrom: <sip:a@b>;tag=1\nTo: <sip:x@127.0.0.1>\nCall-ID: c2\nCSeq: 5 INVITE\nContent-Length: 0\n\n`;

  it('absorbs request retransmissions, retransmits a non-2xx on Timer G and stops on ACK', () => {
    const { clock, transport, layer } = setup();
    const requests: string[] = [];
    layer.setUser({
      onRequest: (req, tx) => {
        requests.push(req.method);
        if (req.method === 'INVITE' && tx) tx.respond(createResponse(req, { status: 486, toTag: 'srv' }));
      },
      onStrayResponse: () => {},
    });
    transport.receive(INVITE_IN);
    transport.receive(INVITE_IN); // retransmission: absorbed, last response re-sent
    expect(requests).toEqual(['INVITE']);
    expect(transport.sent.map((s) => (s.msg as SipResponse).status)).toEqual([486, 486]);
    clock.advance(500);
    expect(transport.sent).toHaveLength(3);
    transport.receive(INVITE_IN.replace('INVITE sip', 'ACK sip').replace('5 INVITE', '5 ACK'));
    clock.advance(10_000);
    expect(transport.sent).toHaveLength(3);
    expect(requests).toEqual(['INVITE']);
  });
});

