import { ConfigError, createLogger, FakeClock } from '@gwsim/common';
import { describe, expect, it } from 'vitest';
import { createRequest, createResponse, deriveTimers, DEFAULT_TIMERS, InviteServerTransaction, NonInviteServerTransaction, TimerWheel, TransactionLayer, timersFor, type ServerTransaction, type SipRequest, type SipResponse } from '../src/index.ts';
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


describe('timers (RFC 3261 Table 4, RFC 6026)', () => {
  it('derives A–M from T1/T2/T4, with the wait states zero on reliable transports', () => {
    const udp = deriveTimers(DEFAULT_TIMERS, false);
    expect(udp).toMatchObject({ A: 500, B: 32_000, D: 32_000, E: 500, F: 32_000, G: 500, H: 32_000, I: 5000, J: 32_000, K: 5000, L: 32_000, M: 32_000, trying: 200 });
    const tcp = deriveTimers(DEFAULT_TIMERS, true);
    expect(tcp).toMatchObject({ B: 32_000, D: 0, F: 32_000, H: 32_000, I: 0, J: 0, K: 0 });
    expect(deriveTimers({ T1: 100, T2: 4000, T4: 5000 }, false).D).toBe(32_000); // D is "> 32 s" whatever T1 is
  });

  it('takes overrides for every transport and per protocol, and rejects nonsense with a field path', () => {
    const t = timersFor({ T1: 100, byTransport: { udp: { B: 1000 }, tcp: { T1: 50 } } }, 'udp', false);
    expect(t).toMatchObject({ T1: 100, A: 100, B: 1000, F: 6400, H: 6400 });
    expect(timersFor({ T1: 100, byTransport: { udp: { B: 1000 }, tcp: { T1: 50 } } }, 'tcp', true)).toMatchObject({ T1: 50, B: 3200, K: 0 });
    expect(() => timersFor({ T1: 0 }, 'udp', false)).toThrow(ConfigError);
    expect(() => timersFor({ byTransport: { udp: { H: -1 } } }, 'udp', false)).toThrow(/timers\.H/);
  });

  it('a transaction layer runs on the overridden values', () => {
    const clock = new FakeClock();
    const transport = new FakeTransport();
    const layer = new TransactionLayer({ transport, clock, timers: { T1: 100 } });
    const seen: string[] = [];
    layer.sendRequest(invite('OPTIONS'), PEER, { onResponse: () => {}, onFailure: (k) => seen.push(`${k}@${clock.now()}`) });
    clock.advance(10_000);
    expect(seen).toEqual(['timeout@6400']); // Timer F = 64*T1
  });
});

describe('INVITE server transaction: 100 Trying (§17.2.1)', () => {
  const INV = (branch: string, extra = '') => `INVITE sip:x@127.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.2:5062;branch=${branch}\nFrom: <sip:a@b>;tag=1\nTo: <sip:x@127.0.0.1>${extra}\nCall-ID: t100\nCSeq: 5 INVITE\nContent-Length: 0\n\n`;

  function serverSetup(trying?: number) {
    const clock = new FakeClock();
    const transport = new FakeTransport();
    const layer = new TransactionLayer({ transport, clock, timers: trying === undefined ? {} : { trying } });
    const txs: ServerTransaction[] = [];
    layer.setUser({ onRequest: (_req, tx) => void (tx && (txs.push(tx), tx instanceof InviteServerTransaction && tx.scheduleTrying())), onStrayResponse: () => {} });
    return { clock, transport, layer, txs };
  }

  it('is sent after 200 ms when the TU has not answered, and not at all when it answers in time', () => {
    const { clock, transport, txs } = serverSetup();
    transport.receive(INV('z9hG4bKslow'));
    clock.advance(199);
    expect(transport.sent).toHaveLength(0);
    clock.advance(1);
    expect(transport.sent.map((s) => (s.msg as SipResponse).status)).toEqual([100]);
    expect((transport.sent[0]!.msg as SipResponse).toTag).toBeNull(); // §8.2.6.2: no To tag on 100

    transport.receive(INV('z9hG4bKfast').replace('t100', 't101'));
    const tx = txs[1]!;
    tx.respond(createResponse(tx.request, { status: 486, toTag: 'x' }));
    clock.advance(1000);
    expect(transport.sent.filter((s) => (s.msg as SipResponse).status === 100)).toHaveLength(1);
  });

  it('is sent at once for a retransmitted INVITE the TU has not answered yet, and at once with trying=0', () => {
    const a = serverSetup();
    a.transport.receive(INV('z9hG4bKre'));
    a.transport.receive(INV('z9hG4bKre'));
    expect(a.transport.sent.map((s) => (s.msg as SipResponse).status)).toEqual([100]);
    const b = serverSetup(0);
    b.transport.receive(INV('z9hG4bKnow'));
    expect(b.transport.sent.map((s) => (s.msg as SipResponse).status)).toEqual([100]);
  });
});

describe('merged requests (§8.2.2.2)', () => {
  it('flags a second request with the same From tag, Call-ID and CSeq but another branch; not a retransmission or CANCEL', () => {
    const { transport, layer } = setup();
    const flags: Array<[string, boolean]> = [];
    layer.setUser({ onRequest: (req, tx) => void (tx && flags.push([req.method, layer.isMerged(req, tx)])), onStrayResponse: () => {} });
    const base = (method: string, branch: string, via = '127.0.0.2:5062') => `${method} sip:x@127.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP ${via};branch=${branch}\nFrom: <sip:a@b>;tag=f1\nTo: <sip:x@127.0.0.1>\nCall-ID: merged-1\nCSeq: 7 ${method}\nContent-Length: 0\n\n`;
    transport.receive(base('INVITE', 'z9hG4bKpath1'));
    transport.receive(base('INVITE', 'z9hG4bKpath1')); // retransmission: absorbed, not a new request
    transport.receive(base('INVITE', 'z9hG4bKpath2', '127.0.0.3:5060'), { address: '127.0.0.3', port: 5060 });
    transport.receive(base('CANCEL', 'z9hG4bKpath1'));
    expect(flags).toEqual([['INVITE', false], ['INVITE', true], ['CANCEL', false]]);
  });
});

describe('non-INVITE server transaction (§17.2.2)', () => {
  const OPT = `OPTIONS sip:x@127.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.2:5062;branch=z9hG4bKopt\nFrom: <sip:a@b>;tag=1\nTo: <sip:x@127.0.0.1>\nCall-ID: o1\nCSeq: 2 OPTIONS\nContent-Length: 0\n\n`;

  it('absorbs retransmissions while Trying, resends the final response while Completed, ends on Timer J', () => {
    for (const reliable of [false, true]) {
      const clock = new FakeClock();
      const transport = new FakeTransport(reliable);
      const layer = new TransactionLayer({ transport, clock });
      let tx: NonInviteServerTransaction | null = null;
      layer.setUser({ onRequest: (_r, t) => void (tx = t as NonInviteServerTransaction), onStrayResponse: () => {} });
      transport.receive(OPT);
      transport.receive(OPT);
      expect(transport.sent).toHaveLength(0);
      tx!.respond(createResponse(tx!.request, { status: 200, toTag: 's' }));
      transport.receive(OPT);
      expect(transport.sent).toHaveLength(2);
      clock.advance(reliable ? 0 : 64 * 500 - 1);
      expect(layer.sizes.server).toBe(reliable ? 0 : 1);
      clock.advance(1);
      expect(layer.sizes.server).toBe(0);
    }
  });
});

describe('never an exception out of a timer', () => {
  it('a TU callback that throws inside Timer B is reported to the logger, not thrown', () => {
    const clock = new FakeClock();
    const lines: string[] = [];
    const layer = new TransactionLayer({ transport: new FakeTransport(), clock, logger: createLogger({ level: 'error', sink: (l) => lines.push(l) }) });
    layer.sendRequest(invite(), PEER, { onResponse: () => {}, onFailure: () => { throw new Error('application bug'); } });
    expect(() => clock.advance(40_000)).not.toThrow();
    expect(lines.join('\n')).toMatch(/application bug/);
    expect(layer.sizes.client).toBe(0);
  });
});

describe('TimerWheel (coarse timers for the 64*T1 waits)', () => {
  it('fires never early and at most one resolution late, in due order; short timers go to the base clock', () => {
    const base = new FakeClock();
    const wheel = new TimerWheel(base, { resolutionMs: 50, thresholdMs: 100 });
    const fired: Array<[string, number]> = [];
    wheel.setTimeout(() => fired.push(['L', base.now()]), 32_000);
    wheel.setTimeout(() => fired.push(['J', base.now()]), 1_010);
    wheel.setTimeout(() => fired.push(['short', base.now()]), 40);
    const cancelled = wheel.setTimeout(() => fired.push(['cancelled', base.now()]), 5_000);
    expect(wheel.size).toBe(3);
    cancelled.cancel();
    cancelled.cancel(); // idempotent
    expect(wheel.size).toBe(2);
    for (let t = 0; t < 40_000; t += 10) base.advance(10);
    expect(fired.map(([n]) => n)).toEqual(['short', 'J', 'L']);
    const [, short] = fired[0]!;
    const [, j] = fired[1]!;
    const [, l] = fired[2]!;
    expect(short).toBe(40);
    expect(j).toBeGreaterThanOrEqual(1_010);
    expect(j).toBeLessThanOrEqual(1_010 + 50);
    expect(l).toBeGreaterThanOrEqual(32_000);
    expect(l).toBeLessThanOrEqual(32_050);
    expect(wheel.size).toBe(0);
    expect(base.pending).toBe(0); // the tick stops when the wheel is empty
  });

  it('a throwing callback does not stop the others of its bucket (rethrown asynchronously, like a native timer)', async () => {
    const base = new FakeClock();
    const wheel = new TimerWheel(base, { resolutionMs: 50, thresholdMs: 100 });
    const seen: string[] = [];
    const errors: unknown[] = [];
    const onError = (e: unknown) => errors.push(e);
    process.on('uncaughtException', onError);
    try {
      wheel.setTimeout(() => {
        throw new Error('boom');
      }, 500);
      wheel.setTimeout(() => seen.push('second'), 500);
      base.advance(600);
      expect(seen).toEqual(['second']);
      await new Promise((r) => setTimeout(r, 10));
    } finally {
      process.off('uncaughtException', onError);
    }
    expect(errors).toHaveLength(1);
  });

  it('catches up after the base clock jumps, and restarts cleanly after idling', () => {
    const base = new FakeClock();
    const wheel = new TimerWheel(base, { resolutionMs: 50, thresholdMs: 100 });
    let n = 0;
    wheel.setTimeout(() => n++, 200);
    base.advance(10_000);
    expect(n).toBe(1);
    base.advance(3_600_000); // idle for an hour
    wheel.setTimeout(() => n++, 300);
    base.advance(349);
    expect(n).toBe(2);
  });
});
