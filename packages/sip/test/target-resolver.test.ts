import { GwsimError, TypedEmitter } from '@gwsim/common';
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import {
  numericResolver,
  targetRequestFor,
  UdpTransport,
  UserAgent,
  type SipTarget,
  type SipTargetRequest,
  type SipTargetResolver,
  type Transport,
  type TransportAddress,
  type TransportEvents,
} from '../src/index.ts';

/** RFC 3263 §4.3 sending: the UAC walks the resolver's target list on timeout, transport error and 503. */
const timers = { T1: 30, T2: 300, T4: 300 };
const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

/** A UDP transport whose sends to one address fail (an unreachable network, as the socket would report it). */
class FailingTo extends TypedEmitter<TransportEvents> implements Transport {
  readonly protocol = 'udp' as const;
  readonly reliable = false;
  constructor(readonly inner: UdpTransport, readonly failAddress: string) {
    super();
    inner.on('message', (m, f, r) => this.emit('message', m, f, r));
    inner.on('malformed', (e, r, f) => this.emit('malformed', e, r, f));
  }
  get local(): TransportAddress {
    return this.inner.local;
  }
  get closed(): boolean {
    return this.inner.closed;
  }
  send(data: Buffer, to: TransportAddress): Promise<void> {
    if (to.address === this.failAddress) return Promise.reject(new GwsimError('GWSIM_ERR_TRANSPORT', `send to ${to.address} failed: ENETUNREACH`));
    return this.inner.send(data, to);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

const fixed = (targets: SipTarget[]): SipTargetResolver & { asked: SipTargetRequest[] } => {
  const asked: SipTargetRequest[] = [];
  return { asked, resolve: (r) => (asked.push(r), Promise.resolve(targets)) };
};

async function uas(address: string, answer: 'ok' | 503 | 404): Promise<UserAgent> {
  const agent = new UserAgent({
    transport: await UdpTransport.create({ address, port: 0 }),
    timers,
    onInvite: (inv) => (answer === 'ok' ? void inv.accept({ body: 'v=0\r\n' }).catch(() => {}) : inv.reject(answer, undefined, answer === 503 ? [['Retry-After', '30']] : [])),
    onRequest: (r) => r.respond(answer === 'ok' ? 200 : answer),
  });
  open.push(agent);
  return agent;
}

async function silent(address: string): Promise<number> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, address, r));
  open.push({ close: () => new Promise<void>((r) => sock.close(() => r())) });
  return sock.address().port;
}

describe('RFC 3263 failover in the UAC', () => {
  it('INVITE: timeout → transport error → 503 → 200, each attempt recorded in order; the resolver is asked once for the URI host', async () => {
    const ok = await uas('127.0.22.64', 'ok');
    const busy = await uas('127.0.22.63', 503);
    const deadPort = await silent('127.0.22.62');
    const resolver = fixed([
      { address: '127.0.22.62', port: deadPort, transport: 'udp', host: 'px00.vc.example.com' },
      { address: '127.0.22.66', port: 5060, transport: 'udp' }, // sends fail
      { address: '127.0.22.99', port: 5060, transport: 'tcp' }, // no TCP transport here: skipped
      { address: '127.0.22.63', port: busy.transport.local.port, transport: 'udp' },
      { address: '127.0.22.64', port: ok.transport.local.port, transport: 'udp' },
    ]);
    const inner = await UdpTransport.create({ address: '127.0.22.61', port: 0 });
    const uac = new UserAgent({ transport: new FailingTo(inner, '127.0.22.66'), timers, resolver });
    open.push(uac);
    const r = await uac.invite({ uri: 'sip:1234567890123@vc.example.com', from: 'sip:room@example.com', body: 'v=0\r\n' }).result;
    expect(resolver.asked).toEqual([{ host: 'vc.example.com' }]);
    expect(r.attempts.map((a) => [a.target.address, a.status, a.local])).toEqual([
      ['127.0.22.62', 408, true],
      ['127.0.22.66', 503, true],
      ['127.0.22.63', 503, false],
      ['127.0.22.64', 200, false],
    ]);
    expect(r.attempts[0]!.target.host).toBe('px00.vc.example.com'); // the resolver's own target objects
    expect(r.status).toBe(200);
    expect(r.dialog!.peer.address).toBe('127.0.22.64');
    expect((await r.dialog!.bye()).status).toBe(200);
  });

  it('a final refusal other than 503 ends the walk; every target failing yields the last failure (the same server twice is not a merged request)', async () => {
    const refusing = await uas('127.0.22.68', 404);
    const busy = await uas('127.0.22.69', 503);
    const uac = new UserAgent({ transport: await UdpTransport.create({ address: '127.0.22.67', port: 0 }), timers });
    open.push(uac);
    const r1 = await uac.invite({ targets: [{ address: '127.0.22.68', port: refusing.transport.local.port, transport: 'udp' }, { address: '127.0.22.69', port: busy.transport.local.port, transport: 'udp' }], uri: 'sip:x@vc.example.com', from: 'sip:room@example.com' }).result;
    expect([r1.status, r1.attempts.length]).toEqual([404, 1]);
    const r2 = await uac.send({ method: 'OPTIONS', targets: [{ address: '127.0.22.69', port: busy.transport.local.port, transport: 'udp' }, { address: '127.0.22.69', port: busy.transport.local.port, transport: 'udp' }], uri: 'sip:x@vc.example.com', from: 'sip:room@example.com' });
    expect(r2.attempts.map((a) => a.status)).toEqual([503, 503]);
    expect(r2.response.status).toBe(503);
    expect(r2.request.cseq.seq).toBe(2); // each failover is a new transaction with a higher CSeq: never a merged request (482)
  });

  it('without a resolver only IP literals are sendable; resolution errors reject `result` (not a crash)', async () => {
    const ok = await uas('127.0.22.71', 'ok');
    const uac = new UserAgent({ transport: await UdpTransport.create({ address: '127.0.22.70', port: 0 }), timers });
    open.push(uac);
    const r = await uac.invite({ uri: `sip:1234567890123@127.0.22.71:${ok.transport.local.port}`, from: 'sip:room@example.com' }).result;
    expect(r.status).toBe(200);
    await expect(uac.invite({ uri: 'sip:1234567890123@vc.example.com', from: 'sip:room@example.com' }).result).rejects.toMatchObject({ code: 'GWSIM_ERR_INVALID_ARGUMENT' });
    const failing: SipTargetResolver = { resolve: () => Promise.reject(new Error('SERVFAIL')) };
    const uac2 = new UserAgent({ transport: await UdpTransport.create({ address: '127.0.22.72', port: 0 }), timers, resolver: failing });
    open.push(uac2);
    await expect(uac2.invite({ uri: 'sip:x@vc.example.com', from: 'sip:room@example.com' }).result).rejects.toMatchObject({ code: 'GWSIM_ERR_DNS' });
    await expect(uac2.request({ method: 'OPTIONS', uri: 'sip:x@vc.example.com', from: 'sip:room@example.com' })).rejects.toThrow(/SERVFAIL/);
    const empty = await new UserAgent({ transport: await UdpTransport.create({ address: '127.0.22.73', port: 0 }), timers, resolver: fixed([]) }).invite({ uri: 'sip:x@vc.example.com', from: 'sip:a@b' }).result;
    expect([empty.status, empty.local]).toEqual([503, true]);
  });

  it('targetRequestFor: sips → secure, transport and maddr parameters, explicit port, the first Route wins', () => {
    expect(targetRequestFor('sip:1234567890123@vc.example.com')).toEqual({ host: 'vc.example.com' });
    expect(targetRequestFor('sips:x@vc.example.com')).toEqual({ host: 'vc.example.com', secure: true });
    expect(targetRequestFor('sip:x@vc.example.com:5070;transport=TCP')).toEqual({ host: 'vc.example.com', port: 5070, transport: 'tcp' });
    expect(targetRequestFor('sip:x@vc.example.com;maddr=127.0.22.74')).toEqual({ host: '127.0.22.74' });
    expect(targetRequestFor('sip:x@[::1]:5062')).toEqual({ host: '::1', port: 5062 });
    expect(targetRequestFor('sip:x@vc.example.com', ['<sip:proxy.example.com;lr>', '<sip:p2.example.com;lr>'])).toEqual({ host: 'proxy.example.com' });
    expect(() => targetRequestFor('tel:+15551234')).toThrow(/tel: URI/);
  });

  it('numericResolver: default ports per transport, hostnames refused with a hint', async () => {
    expect(await numericResolver.resolve({ host: '127.0.22.75' })).toEqual([{ address: '127.0.22.75', port: 5060, transport: 'udp', host: '127.0.22.75' }]);
    expect(await numericResolver.resolve({ host: '127.0.22.75', secure: true })).toMatchObject([{ port: 5061, transport: 'tls' }]);
    await expect(numericResolver.resolve({ host: 'vc.example.com' })).rejects.toThrow(/resolver/);
  });
});
