import { createLogger, FakeClock } from '@gwsim/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserAgent, type IncomingInvite, type InviteResult } from '../src/index.ts';
import { FakeNetwork } from './support/fake-network.ts';

/**
 * UA-level loss on a FakeClock: every ACK or every response is dropped and the clock runs through every
 * RFC 3261 timer (A, B, D, E, F, G, H, I, J, K, L, M and the 2xx retransmission). Nothing may throw — not
 * out of a timer, not as an unhandled rejection — and every transaction must be gone at the end.
 */
const UAC = '127.0.22.1';
const UAS = '127.0.22.2';
const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.22.1\r\ns=-\r\nc=IN IP4 127.0.22.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n';

let errors: string[];
let uncaught: unknown[];
const onUncaught = (e: unknown) => uncaught.push(e);
beforeEach(() => {
  errors = [];
  uncaught = [];
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
});
afterEach(() => {
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
});

function pair(onInvite: (inv: IncomingInvite) => void) {
  const clock = new FakeClock();
  const net = new FakeNetwork();
  const logger = createLogger({ level: 'error', sink: (l) => errors.push(l) });
  const uac = new UserAgent({ transport: net.transport(UAC), clock, logger });
  const uas = new UserAgent({ transport: net.transport(UAS), clock, logger, onInvite });
  return { clock, net, uac, uas };
}

function call(uac: UserAgent) {
  const out = uac.invite({ destination: { address: UAS, port: 5060 }, uri: `sip:1234567890123@${UAS}`, from: 'sip:room@example.com', body: SDP });
  let result: InviteResult | null = null;
  void out.result.then((r) => (result = r));
  return { out, get result() { return result; } };
}

describe('UserAgent under total loss (FakeClock through every timer)', () => {
  it('every ACK dropped: the UAS retransmits 200 (T1, 2T1, … ≤ T2), sends BYE after 64*T1; the UAC ends the dialog', async () => {
    let acceptError: Error | null = null;
    const { clock, net, uac, uas } = pair((inv) => void inv.accept({ body: SDP }).catch((e: Error) => (acceptError = e)));
    net.drop = (d) => d.msg.kind === 'request' && d.msg.method === 'ACK';
    const c = call(uac);
    await net.run(clock, 100_000);
    expect(c.result?.status).toBe(200);
    const dialog = c.result!.dialog!;
    expect(dialog.state).toBe('terminated');
    expect(acceptError).toMatchObject({ code: 'GWSIM_ERR_TIMEOUT' });
    const times = net.log.filter((d) => d.from.address === UAS && d.msg.kind === 'response' && d.msg.status === 200 && d.msg.cseq.method === 'INVITE').length;
    expect(times).toBe(1 + 10); // 0.5, 1.5, 3.5, 7.5, 11.5 … 31.5 s: T1 doubling, capped at T2, until 64*T1
    expect(net.sentBy(UAS)).toContain('BYE');
    expect(net.sentBy(UAC, { includeDropped: true }).filter((m) => m === 'ACK').length).toBe(11); // each 2xx re-ACKed (RFC 6026)
    expect(uas.dialogs).toHaveLength(0);
    expect(uac.dialogs).toHaveLength(0);
    expect(uac.layer.sizes).toEqual({ client: 0, server: 0 });
    expect(uas.layer.sizes).toEqual({ client: 0, server: 0 });
    expect(errors).toEqual([]);
    expect(uncaught).toEqual([]);
  });

  it('every response dropped: INVITE retransmitted on Timer A, 408 after Timer B; the UAS gives up after 64*T1 and its BYE times out', async () => {
    let acceptError: Error | null = null;
    const { clock, net, uac, uas } = pair((inv) => void inv.accept({ body: SDP }).catch((e: Error) => (acceptError = e)));
    net.drop = (d) => d.msg.kind === 'response';
    const c = call(uac);
    await net.run(clock, 100_000);
    expect(c.result).toMatchObject({ status: 408, local: true });
    expect(net.sentBy(UAC).filter((m) => m === 'INVITE')).toHaveLength(7); // 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s
    expect(acceptError).toMatchObject({ code: 'GWSIM_ERR_TIMEOUT' });
    expect(net.sentBy(UAS).filter((m) => m === 'BYE').length).toBeGreaterThanOrEqual(7); // BYE retransmitted on Timer E until F
    expect(uac.layer.sizes).toEqual({ client: 0, server: 0 });
    expect(uas.layer.sizes).toEqual({ client: 0, server: 0 });
    expect(errors).toEqual([]);
    expect(uncaught).toEqual([]);
  });

  it('a rejected INVITE whose ACK is lost: 486 retransmitted on Timer G until Timer H, nothing thrown', async () => {
    const { clock, net, uac, uas } = pair((inv) => inv.reject(486, 'Busy Here'));
    net.drop = (d) => d.msg.kind === 'request' && d.msg.method === 'ACK';
    const c = call(uac);
    await net.run(clock, 100_000);
    expect(c.result?.status).toBe(486);
    const busy = net.sentBy(UAS).filter((m) => m === '486').length;
    expect(busy).toBe(1 + 10); // Timer G: 0.5, 1.5, 3.5, 7.5, 11.5 … until H = 32 s
    expect(uac.layer.sizes).toEqual({ client: 0, server: 0 });
    expect(uas.layer.sizes).toEqual({ client: 0, server: 0 });
    expect(errors).toEqual([]);
    expect(uncaught).toEqual([]);
  });

  it('a transport that fails every send: the UAC sees a local 503, the UAS never throws', async () => {
    const { clock, net, uac } = pair((inv) => void inv.accept({ body: SDP }).catch(() => {}));
    (uac.transport as unknown as { failSends: boolean }).failSends = true;
    const c = call(uac);
    const opts = uac.request({ method: 'OPTIONS', destination: { address: UAS, port: 5060 }, uri: `sip:${UAS}`, from: 'sip:room@example.com' });
    await net.run(clock, 1000);
    expect(c.result).toMatchObject({ status: 503, local: true });
    expect((await opts).status).toBe(503);
    expect(uncaught).toEqual([]);
  });

  it('every message dropped both ways while a BYE, INFO and re-INVITE are pending: each ends with a local 408, no throw', async () => {
    const { clock, net, uac, uas } = pair((inv) => void inv.accept({ body: SDP }).catch(() => {}));
    const c = call(uac);
    await net.run(clock, 1000);
    const dialog = c.result!.dialog!;
    net.drop = () => true;
    const info = dialog.info('Signal=1\r\nDuration=160\r\n', 'application/dtmf-relay');
    await net.run(clock, 40_000);
    expect((await info).status).toBe(408);
    expect(dialog.state).toBe('terminated'); // §12.2.1.2: 408 to an in-dialog request ends the dialog
    expect(uas.dialogs).toHaveLength(1); // the UAS never heard of it
    const bye = uas.dialogs[0]!.bye();
    await net.run(clock, 40_000);
    expect((await bye).status).toBe(408);
    expect(uac.layer.sizes).toEqual({ client: 0, server: 0 });
    expect(uas.layer.sizes).toEqual({ client: 0, server: 0 });
    expect(errors).toEqual([]);
    expect(uncaught).toEqual([]);
  });
});
