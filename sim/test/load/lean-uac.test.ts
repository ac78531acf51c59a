import { OUTCOMES, reasonHeader } from '@gwsim/node';
import { UdpTransport, UserAgent, type SipRequest } from '@gwsim/sip';
import { afterEach, describe, expect, it } from 'vitest';
import { runLoad } from '../../src/load/generator.ts';
import { LeanUacDriver } from '../../src/load/lean-uac.ts';
import type { MixEntry, SipUacDriverOptions } from '../../src/load/load-types.ts';
import { validateSipUacOptions } from '../../src/load/sip-uac-driver.ts';
import { countingUas } from './support/counting-uas.ts';
import { branch, FakeUas } from './support/fake-uas.ts';

/**
 * The lean UAC engine on the wire, against a scripted UAS on a real UDP socket (127.0.67.x): the exact
 * requests it sends (branches, CSeq, ACK forms, CANCEL), its retransmissions and their timing, and how it
 * classifies each call. Timing assertions allow the wheel's 10 ms plus some event-loop slack.
 */
const UAC = '127.0.67.1';
const UAS = '127.0.67.2';
const SLOT = 10;
const SLACK = 25;
/** T1 = 20 ms: Timer B/F = 1280 ms. */
const FAST = { T1: 20, T2: 80 };
const SDP = 'v=0\r\no=uas 1 1 IN IP4 127.0.67.2\r\ns=-\r\nc=IN IP4 127.0.67.2\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

const entry = (expect = 'CONNECTED', dial = '1000000000001'): MixEntry => ({ name: 'x', weight: 1, dial, expect });
const never = new AbortController().signal;

async function fake(): Promise<FakeUas> {
  const u = await FakeUas.start(UAS);
  open.push(u);
  return u;
}

async function driver(uas: FakeUas, timers?: SipUacDriverOptions['timers']): Promise<LeanUacDriver> {
  const d = await LeanUacDriver.create({ target: uas.target, local: { address: UAC }, timers, domain: 'vc.example.com', engine: 'lean' });
  open.push(d);
  return d;
}

const contact = (uas: FakeUas) => `Contact: <sip:uas@${UAS}:${uas.address.port};transport=udp>`;
const ms = (a: number, b: number) => b - a;
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

/** Ideal send times (ms after the first send) of a request retransmitted from T1, doubling, capped at `cap`, until `end`. */
function schedule(t1: number, cap: number, end: number): number[] {
  const out = [0];
  for (let t = 0, i = t1; t + i < end; t += i, i = Math.min(2 * i, cap)) out.push(t + i);
  return out;
}

function expectOnSchedule(times: number[], ideal: number[]): void {
  expect(times).toHaveLength(ideal.length);
  const t0 = times[0]!;
  times.forEach((t, i) => {
    expect(t - t0).toBeGreaterThanOrEqual(ideal[i]! - 2);
    expect(t - t0).toBeLessThanOrEqual(ideal[i]! + SLOT + SLACK);
  });
}

describe('LeanUacDriver', () => {
  it('INVITE → 200 → ACK (new branch, to the Contact, with the route set) → hold → BYE (CSeq 2, new branch) → 200: CONNECTED', async () => {
    const uas = await fake();
    let answeredAt = 0;
    uas.onRequest = (req, u) => {
      if (req.method === 'INVITE') {
        answeredAt = performance.now();
        u.reply(req, 200, 'OK', { toTag: 'uas1', body: SDP, headers: [contact(u), 'Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>', 'Record-Route: <sip:p3.example.com;lr>'] });
      } else if (req.method === 'BYE') u.reply(req, 200, 'OK');
    };
    const d = await driver(uas);
    const r = await d.place(entry(), 60, never);
    expect(r).toMatchObject({ outcome: 'CONNECTED', status: 200 });
    expect(r.failure).toBeUndefined();
    expect(r.pddMs).toBe(r.setupMs);
    const [invite] = uas.requests('INVITE');
    const [ack] = uas.requests('ACK');
    const [bye] = uas.requests('BYE');
    const inv = invite!.msg;
    expect(inv.uri).toBe('sip:1000000000001@vc.example.com');
    expect(inv.callId).toBe(r.callId);
    expect(inv.cseq).toEqual({ seq: 1, method: 'INVITE' });
    expect(branch(inv)).toMatch(/^z9hG4bK/);
    expect(inv.fromTag).toMatch(/^[0-9a-z]+$/);
    expect(inv.toTag).toBeNull();
    expect(inv.headers.get('From')).toBe(`<sip:gwsim@vc.example.com>;tag=${inv.fromTag}`);
    expect(inv.headers.get('Max-Forwards')).toBe('70');
    expect(inv.headers.get('Contact')).toBe(`<sip:gwsim@${UAC}:${d.local.port}>`);
    expect(inv.via.host).toBe(UAC);
    expect(inv.via.port).toBe(d.local.port);
    expect(inv.body.toString()).toMatch(/^v=0\r\n[\s\S]*m=audio 9 RTP\/AVP 0 8\r\n/);
    expect(inv.headers.get('Content-Type')).toBe('application/sdp');
    // §13.2.2.4: the 2xx ACK is its own transaction, to the remote target, with the route set (reversed Record-Route).
    for (const m of [ack!.msg, bye!.msg]) {
      expect(m.uri).toBe(`sip:uas@${UAS}:${uas.address.port};transport=udp`);
      expect(m.callId).toBe(inv.callId);
      expect(m.fromTag).toBe(inv.fromTag);
      expect(m.toTag).toBe('uas1');
      expect(m.headers.getAll('Route')).toEqual(['<sip:p3.example.com;lr>', '<sip:p2.example.com;lr>', '<sip:p1.example.com;lr>']);
    }
    expect(ack!.msg.cseq).toEqual({ seq: 1, method: 'ACK' });
    expect(bye!.msg.cseq).toEqual({ seq: 2, method: 'BYE' });
    const branches = new Set([branch(inv), branch(ack!.msg), branch(bye!.msg)]);
    expect(branches.size).toBe(3);
    expect(ms(answeredAt, bye!.at)).toBeGreaterThanOrEqual(58);
    expect(ms(answeredAt, bye!.at)).toBeLessThanOrEqual(60 + SLOT + SLACK);
    expect(uas.received).toHaveLength(3);
    expect(d.size).toBe(0);
    expect(d.counters).toMatchObject({ garbage: 0, stray: 0, retransmissions: 0, sendErrors: 0 });
  });

  it('180 then 200: pdd at the 180; a second call gets new ids', async () => {
    const uas = await fake();
    uas.onRequest = (req, u) => {
      if (req.method === 'INVITE') {
        u.reply(req, 100, 'Trying');
        setTimeout(() => u.reply(req, 180, 'Ringing', { toTag: 't2' }), 20);
        setTimeout(() => u.reply(req, 200, 'OK', { toTag: 't2', body: SDP, headers: [contact(u)] }), 60);
      } else if (req.method === 'BYE') u.reply(req, 200, 'OK');
    };
    const d = await driver(uas);
    const r = await d.place(entry(), 0, never);
    expect(r).toMatchObject({ outcome: 'CONNECTED', status: 200 });
    expect(r.pddMs).toBeGreaterThanOrEqual(18);
    expect(r.pddMs).toBeLessThan(50);
    expect(r.setupMs).toBeGreaterThanOrEqual(58);
    const r2 = await d.place(entry(), 0, never);
    expect(r2.outcome).toBe('CONNECTED');
    expect(r2.callId).not.toBe(r.callId);
    const invites = uas.requests('INVITE');
    expect(branch(invites[0]!.msg)).not.toBe(branch(invites[1]!.msg));
    expect(invites[0]!.msg.fromTag).not.toBe(invites[1]!.msg.fromTag);
  });

  it('486 and a node refusal: ACKed in the INVITE transaction (same branch, the response To); outcome by the node table', async () => {
    const uas = await fake();
    const nf = OUTCOMES.MEETING_NOT_FOUND;
    uas.onRequest = (req, u) => {
      if (req.method !== 'INVITE') return;
      if (req.uri.startsWith('sip:busy@')) u.reply(req, 486, 'Busy Here', { toTag: 'b1' });
      else u.reply(req, nf.status, nf.reason, { toTag: 'nf1', headers: [`Reason: ${reasonHeader(nf)}`] });
    };
    const d = await driver(uas);
    const busy = await d.place(entry('CONNECTED', 'busy'), 0, never);
    expect(busy).toMatchObject({ outcome: 'REJECTED_486', failure: 'unexpected_response:486', status: 486 });
    expect(busy.detail).toBe('486 Busy Here');
    expect(await d.place(entry('MEETING_NOT_FOUND', 'm'), 0, never)).toMatchObject({ outcome: 'MEETING_NOT_FOUND', status: 404 });
    const r = await d.place(entry('CONNECTED', 'm'), 0, never);
    expect(r).toMatchObject({ outcome: 'MEETING_NOT_FOUND', failure: 'unexpected_response:404' });
    expect(r.detail).toBe('404 Meeting not found');
    await uas.until(() => uas.requests('ACK').length === 3);
    const inv = uas.requests('INVITE')[0]!.msg;
    const ack = uas.requests('ACK')[0]!.msg;
    expect(ack.uri).toBe(inv.uri);
    expect(branch(ack)).toBe(branch(inv));
    expect(ack.cseq).toEqual({ seq: 1, method: 'ACK' });
    expect(ack.headers.get('To')).toBe(`<${inv.uri}>;tag=b1`);
    expect(ack.headers.get('From')).toBe(inv.headers.get('From'));
    expect(ack.callId).toBe(inv.callId);
    expect(uas.requests('BYE')).toHaveLength(0);
  });

  it('a retransmitted non-2xx final is ACKed again (the call lingers for Timer D)', async () => {
    const uas = await fake();
    uas.onRequest = (req, u) => {
      if (req.method !== 'INVITE') return;
      const text = u.reply(req, 486, 'Busy Here', { toTag: 'b2' });
      setTimeout(() => u.send(text), 30);
    };
    const d = await driver(uas, FAST);
    expect((await d.place(entry(), 0, never)).status).toBe(486);
    await uas.until(() => uas.requests('ACK').length === 2);
    const [a1, a2] = uas.requests('ACK');
    expect(a2!.raw).toBe(a1!.raw);
    expect(d.counters.reAcks).toBe(1);
    expect(d.size).toBe(1); // lingering until Timer D (32 s)
  });

  it('no answer: Timer A retransmits the same INVITE at T1, 3·T1, 7·T1 … until Timer B (64·T1) → NO_RESPONSE / retransmission_exhausted', async () => {
    const uas = await fake();
    const d = await driver(uas, FAST);
    const r = await d.place(entry(), 0, never);
    expect(r).toMatchObject({ outcome: 'NO_RESPONSE', failure: 'retransmission_exhausted', status: 408 });
    expect(r.setupMs).toBeGreaterThanOrEqual(64 * FAST.T1);
    expect(r.setupMs).toBeLessThanOrEqual(64 * FAST.T1 + SLOT + SLACK);
    const invites = uas.requests('INVITE');
    expectOnSchedule(
      invites.map((x) => x.at),
      schedule(FAST.T1, Infinity, 64 * FAST.T1),
    ); // 0, 20, 60, 140, 300, 620, 1260
    expect(new Set(invites.map((x) => x.raw)).size).toBe(1);
    expect(d.counters.retransmissions).toBe(6);
    expect(d.size).toBe(0);
  });

  it('the first two INVITEs dropped: the third (a retransmission, same branch) is answered; a 100 Trying stops Timer A', async () => {
    const uas = await fake();
    let seen = 0;
    uas.onRequest = (req, u) => {
      if (req.method === 'INVITE' && ++seen === 3) {
        u.reply(req, 100, 'Trying');
        setTimeout(() => u.reply(req, 200, 'OK', { toTag: 'r3', body: SDP, headers: [contact(u)] }), 150);
      } else if (req.method === 'BYE') u.reply(req, 200, 'OK');
    };
    const d = await driver(uas, FAST);
    const r = await d.place(entry(), 0, never);
    expect(r).toMatchObject({ outcome: 'CONNECTED', status: 200 });
    const invites = uas.requests('INVITE');
    expect(invites).toHaveLength(3); // none after the 100, though 150 ms passed (Timer A would have fired at 140)
    expect(invites[1]!.raw).toBe(invites[0]!.raw);
    expect(invites[2]!.raw).toBe(invites[0]!.raw);
    expectOnSchedule(invites.map((x) => x.at), [0, FAST.T1, 3 * FAST.T1]);
    expect(d.counters.retransmissions).toBe(2);
  });

  it('a 2xx retransmitted by the UAS is ACKed each time with the same ACK', async () => {
    const uas = await fake();
    uas.onRequest = (req, u) => {
      if (req.method === 'INVITE') {
        const ok = u.reply(req, 200, 'OK', { toTag: 'x2', body: SDP, headers: [contact(u)] });
        setTimeout(() => u.send(ok), 30);
        setTimeout(() => u.send(ok), 60);
      } else if (req.method === 'BYE') u.reply(req, 200, 'OK');
    };
    const d = await driver(uas);
    const r = await d.place(entry(), 150, never);
    expect(r.outcome).toBe('CONNECTED');
    const acks = uas.requests('ACK');
    expect(acks).toHaveLength(3);
    expect(new Set(acks.map((a) => a.raw)).size).toBe(1);
    expect(d.counters.reAcks).toBe(2);
  });

  it('a BYE from the UAS during the hold: answered 200 (and again when retransmitted); unexpected_bye, or the outcome its Reason names', async () => {
    const uas = await fake();
    const denied = OUTCOMES.KNOCK_DENIED;
    let byeText = '';
    uas.onRequest = (req, u) => {
      if (req.method === 'INVITE') u.reply(req, 200, 'OK', { toTag: 'kd', body: SDP, headers: [contact(u)] });
      else if (req.method === 'ACK') {
        // The UAS's BYE: From and To swapped, its own Via and CSeq.
        const reason = req.headers.get('To')!.includes('plain') ? '' : `Reason: ${reasonHeader(denied)}\r\n`;
        byeText = `BYE sip:gwsim@${UAC}:${uas.peer!.port} SIP/2.0\r\nVia: SIP/2.0/UDP ${UAS}:${uas.address.port};branch=z9hG4bKuasbye${req.callId.length}\r\nMax-Forwards: 70\r\nFrom: ${req.headers.get('To')}\r\nTo: ${req.headers.get('From')}\r\nCall-ID: ${req.callId}\r\nCSeq: 7 BYE\r\n${reason}Content-Length: 0\r\n\r\n`;
        setTimeout(() => u.send(byeText), 30);
      }
    };
    const d = await driver(uas);
    const t = performance.now();
    const r = await d.place(entry(), 5000, never);
    expect(performance.now() - t).toBeLessThan(1000);
    expect(r).toMatchObject({ outcome: 'KNOCK_DENIED', failure: 'unexpected_bye', status: 200 });
    expect(r.detail).toContain('remote BYE during hold');
    const okTo = () => uas.received.filter((x) => x.msg.kind === 'response');
    await uas.until(() => okTo().length === 1);
    const ok = okTo()[0]!.msg;
    expect(ok.kind === 'response' && ok.status).toBe(200);
    expect(ok.cseq).toEqual({ seq: 7, method: 'BYE' });
    expect(branch(ok)).toBe(`z9hG4bKuasbye${r.callId.length}`);
    expect(ok.toTag).toBe(uas.requests('INVITE')[0]!.msg.fromTag);
    uas.send(byeText); // our 200 "was lost"
    await uas.until(() => okTo().length === 2);
    expect(okTo()[1]!.raw).toBe(okTo()[0]!.raw);
    expect(uas.requests('BYE')).toHaveLength(0); // we never BYE a dialog the peer ended
    const expected = await d.place(entry('KNOCK_DENIED'), 5000, never);
    expect(expected.outcome).toBe('KNOCK_DENIED');
    expect(expected.failure).toBeUndefined();
    expect(await d.place(entry('CONNECTED', 'plain'), 5000, never)).toMatchObject({ outcome: 'CONNECTED', failure: 'unexpected_bye' });
  });

  it('a BYE never answered: Timer E retransmits it (T1 doubling, capped at T2) until Timer F → bye_failed', async () => {
    const uas = await fake();
    uas.onRequest = (req, u) => {
      if (req.method === 'INVITE') u.reply(req, 200, 'OK', { toTag: 'nb', body: SDP, headers: [contact(u)] });
    };
    const d = await driver(uas, FAST);
    const r = await d.place(entry(), 0, never);
    expect(r).toMatchObject({ outcome: 'CONNECTED', failure: 'bye_failed', status: 200 });
    expect(r.detail).toBe('200 OK; BYE 408');
    const byes = uas.requests('BYE');
    expectOnSchedule(
      byes.map((x) => x.at),
      schedule(FAST.T1, FAST.T2, 64 * FAST.T1),
    ); // 0, 20, 60, 140, 220, … 1260
    expect(new Set(byes.map((x) => x.raw)).size).toBe(1);
    expect(d.size).toBe(0);
  });

  it('a BYE answered 481 is bye_failed; a 1xx to the BYE slows its retransmissions to T2', async () => {
    const uas = await fake();
    let byes = 0;
    uas.onRequest = (req, u) => {
      if (req.method === 'INVITE') u.reply(req, 200, 'OK', { toTag: 'b481', body: SDP, headers: [contact(u)] });
      else if (req.method === 'BYE' && ++byes === 1) {
        u.reply(req, 100, 'Trying');
        setTimeout(() => u.reply(req, 481, 'Call/Transaction Does Not Exist'), 200);
      }
    };
    const d = await driver(uas, FAST);
    const r = await d.place(entry(), 0, never);
    expect(r).toMatchObject({ outcome: 'CONNECTED', failure: 'bye_failed', status: 200 });
    const times = uas.requests('BYE').map((x) => x.at);
    // After the 100: T2 (80 ms) apart, so two more within the 200 ms before the 481.
    expect(times).toHaveLength(3);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(FAST.T2 - 2);
  });

  it('abort after a provisional: CANCEL (same branch, R-URI, From, To, Call-ID; CSeq 1 CANCEL) → 487, ACKed → ABORTED', async () => {
    const uas = await fake();
    uas.onRequest = (req, u) => {
      if (req.method === 'INVITE') u.reply(req, 180, 'Ringing', { toTag: 'c1' });
      else if (req.method === 'CANCEL') {
        u.reply(req, 200, 'OK', { toTag: 'c1' });
        const inv = u.requests('INVITE')[0]!.msg;
        u.reply(inv, 487, 'Request Terminated', { toTag: 'c1' });
      }
    };
    const d = await driver(uas);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const r = await d.place(entry(), 0, ac.signal);
    expect(r).toMatchObject({ outcome: 'ABORTED', failure: 'aborted', status: 487 });
    await uas.until(() => uas.requests('ACK').length === 1);
    const inv = uas.requests('INVITE')[0]!.msg;
    const cancel = uas.requests('CANCEL')[0]!.msg;
    const ack = uas.requests('ACK')[0]!.msg;
    expect(cancel.uri).toBe(inv.uri);
    expect(branch(cancel)).toBe(branch(inv));
    expect(cancel.cseq).toEqual({ seq: 1, method: 'CANCEL' });
    for (const h of ['From', 'To', 'Call-ID']) expect(cancel.headers.get(h)).toBe(inv.headers.get(h));
    expect(branch(ack)).toBe(branch(inv));
    expect(ack.headers.get('To')).toBe(`<${inv.uri}>;tag=c1`);
    expect(uas.requests('CANCEL')).toHaveLength(1);
    expect(uas.requests('BYE')).toHaveLength(0);
  });

  it('abort before any response: no CANCEL until a provisional arrives (§9.1), then CANCEL; no final → ABORTED after 64·T1', async () => {
    const uas = await fake();
    let ringingAt = 0;
    uas.onRequest = (req, u) => {
      if (req.method === 'INVITE' && u.requests('INVITE').length === 1) {
        setTimeout(() => {
          ringingAt = performance.now();
          u.reply(req, 180, 'Ringing', { toTag: 'c2' });
        }, 100);
      } else if (req.method === 'CANCEL') u.reply(req, 200, 'OK', { toTag: 'c2' }); // and never a final to the INVITE
    };
    const d = await driver(uas, FAST);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    const r = await d.place(entry(), 0, ac.signal);
    expect(r).toMatchObject({ outcome: 'ABORTED', failure: 'aborted', status: 408 });
    const cancels = uas.requests('CANCEL');
    expect(cancels).toHaveLength(1);
    expect(cancels[0]!.at).toBeGreaterThanOrEqual(ringingAt);
    expect(r.setupMs).toBeGreaterThanOrEqual(100 + 64 * FAST.T1 - 5);
  });

  it('abort during the hold: BYE at once, the call still counts as connected', async () => {
    const uas = await fake();
    uas.onRequest = (req, u) => {
      if (req.method === 'INVITE') u.reply(req, 200, 'OK', { toTag: 'h', body: SDP, headers: [contact(u)] });
      else if (req.method === 'BYE') u.reply(req, 200, 'OK');
    };
    const d = await driver(uas);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const t = performance.now();
    const r = await d.place(entry(), 60_000, ac.signal);
    expect(performance.now() - t).toBeLessThan(1000);
    expect(r).toMatchObject({ outcome: 'CONNECTED', status: 200 });
    expect(r.failure).toBeUndefined();
    expect(uas.requests('BYE')).toHaveLength(1);
    expect(await d.place(entry(), 0, ac.signal)).toMatchObject({ outcome: 'ABORTED', failure: 'aborted', callId: '' });
  });

  it('drops and counts garbage and stray responses (wrong Call-ID, branch, CSeq, To tag) without throwing', async () => {
    const uas = await fake();
    uas.onRequest = (req, u) => {
      if (req.method === 'INVITE') {
        u.send('hello\r\n');
        u.send('SIP/2.0 200 OK\r\n\r\n');
        u.send(String.fromCharCode(...Array.from({ length: 200 }, (_, i) => (i * 37) % 256)));
        u.send(u.response(req, 200, 'OK', { toTag: 's' }).replace(/Call-ID: .*/, 'Call-ID: nobody'));
        u.send(u.response(req, 200, 'OK', { toTag: 's' }).replace(/branch=[^\r;]*/, 'branch=z9hG4bKother'));
        u.send(u.response(req, 200, 'OK', { toTag: 's' }).replace('CSeq: 1 INVITE', 'CSeq: 2 INVITE'));
        u.send(u.response(req, 200, 'OK')); // a 2xx without a To tag
        setTimeout(() => u.reply(req, 200, 'OK', { toTag: 's', body: SDP, headers: [contact(u)] }), 30);
      } else if (req.method === 'BYE') {
        u.reply(req, 200, 'OK', { toTag: 'x' }); // To keeps its tag 's': this echoes it, not x
        u.send(u.response(req, 200, 'OK').replace(';tag=s', ';tag=wrong'));
      }
    };
    const d = await driver(uas);
    const r = await d.place(entry(), 0, never);
    expect(r).toMatchObject({ outcome: 'CONNECTED', status: 200 });
    expect(r.failure).toBeUndefined();
    expect(d.counters.garbage).toBe(4); // 'hello', the bare status line, the binary junk, the tagless 2xx
    expect(d.counters.stray).toBe(3);
    expect(uas.requests('ACK')).toHaveLength(1);
    await sleep(30);
    expect(d.counters.stray).toBe(4); // the BYE response with the wrong To tag, after the call ended
  });

  it('requests that are not a BYE of our dialog: 481 for a BYE of nothing, 501 for anything else, ACK ignored', async () => {
    const uas = await fake();
    uas.onRequest = (req, u) => {
      if (req.method === 'INVITE') u.reply(req, 486, 'Busy Here', { toTag: 'q' });
    };
    const d = await driver(uas);
    await d.place(entry(), 0, never);
    const req = (method: string) => `${method} sip:gwsim@${UAC}:${d.local.port} SIP/2.0\r\nVia: SIP/2.0/UDP ${UAS}:${uas.address.port};branch=z9hG4bK${method}1\r\nMax-Forwards: 70\r\nFrom: <sip:uas@${UAS}>;tag=u1\r\nTo: <sip:gwsim@${UAC}>\r\nCall-ID: unknown-${method}\r\nCSeq: 1 ${method}\r\nContent-Length: 0\r\n\r\n`;
    uas.send(req('BYE'));
    uas.send(req('OPTIONS'));
    uas.send(req('ACK'));
    const responses = () => uas.received.filter((x) => x.msg.kind === 'response');
    await uas.until(() => responses().length === 2);
    await sleep(20);
    const [bye, options] = responses().map((x) => x.msg);
    expect(bye!.kind === 'response' && bye!.status).toBe(481);
    expect(bye!.cseq.method).toBe('BYE');
    expect(bye!.toTag).toMatch(/^[0-9a-z]+$/);
    expect(options!.kind === 'response' && options!.status).toBe(501);
    expect(responses()).toHaveLength(2);
    expect(d.counters.requests).toBe(2);
  });

  it('a send failure is charged to its call: TRANSPORT_ERROR / transport_error (503), the other calls go on', async () => {
    const uas = await fake();
    uas.onRequest = (req: SipRequest, u) => {
      if (req.method === 'INVITE') u.reply(req, 200, 'OK', { toTag: 'ok', body: SDP, headers: [contact(u)] });
      else if (req.method === 'BYE') u.reply(req, 200, 'OK');
    };
    const d = await driver(uas);
    // An INVITE larger than a UDP datagram can be (EMSGSIZE).
    const [big, fine] = await Promise.all([d.place(entry('CONNECTED', 'x'.repeat(70_000)), 0, never), d.place(entry(), 0, never)]);
    expect(big).toMatchObject({ outcome: 'TRANSPORT_ERROR', failure: 'transport_error', status: 503 });
    expect(fine).toMatchObject({ outcome: 'CONNECTED', status: 200 });
    expect(fine.failure).toBeUndefined();
    expect(d.counters).toMatchObject({ sendErrors: 1, transportErrors: 1 });
  });

  it('close() ends the calls in progress as aborted', async () => {
    const uas = await fake();
    const d = await LeanUacDriver.create({ target: uas.target, local: { address: UAC }, engine: 'lean' });
    const p = d.place(entry(), 0, never);
    await uas.until(() => uas.requests('INVITE').length === 1);
    await d.close();
    expect(await p).toMatchObject({ outcome: 'ABORTED', failure: 'aborted' });
  });

  it('options: engine must be ua or lean, lean needs UDP (errors name driver.engine)', async () => {
    const o: SipUacDriverOptions = { target: { address: UAS, port: 5060, transport: 'tcp' }, local: { address: UAC }, engine: 'lean' };
    expect(() => validateSipUacOptions(o)).toThrow(/^driver\.engine: 'lean' runs over UDP only/);
    expect(() => validateSipUacOptions({ ...o, engine: 'sipp' as 'ua' })).toThrow(/^driver\.engine: must be one of 'ua', 'lean', got "sipp"/);
    expect(() => validateSipUacOptions({ ...o, engine: 'ua' })).not.toThrow();
    await expect(LeanUacDriver.create({ ...o, engine: undefined })).rejects.toThrow(/^driver\.engine: 'lean' runs over UDP only/);
    await expect(runLoad({ stages: [{ kind: 'constant', rate: 1, durationMs: 1000 }], hold: { kind: 'fixed', ms: 0 }, mix: [entry()], seed: 1 }, { kind: 'sip-uac', options: o }, { warmUpCalls: 0 })).rejects.toThrow(/driver\.engine/);
  });
});

describe('runLoad with engine: lean', () => {
  it('in this thread (with its warm-up, which never reaches the target): every call placed and classified', async () => {
    let invites = 0;
    const ua = new UserAgent({
      transport: await UdpTransport.create({ address: UAS, port: 0 }),
      onInvite: (inv) => {
        invites++;
        if (inv.request.uri.startsWith('sip:b@')) inv.reject(486, 'Busy Here');
        else void inv.accept({ body: SDP }).catch(() => {});
      },
    });
    open.push(ua);
    const s = await runLoad(
      { stages: [{ kind: 'constant', rate: 100, durationMs: 500 }], hold: { kind: 'fixed', ms: 10 }, mix: [{ name: 'a', weight: 3, dial: 'a', expect: 'CONNECTED' }, { name: 'b', weight: 1, dial: 'b', expect: 'REJECTED_486' }], seed: 3 },
      { kind: 'sip-uac', options: { target: { address: UAS, port: ua.transport.local.port, transport: 'udp' }, local: { address: UAC }, engine: 'lean' } },
      { warmUpCalls: 100 },
    );
    expect(s).toMatchObject({ attempted: 50, succeeded: 50, failed: 0 });
    expect(s.outcomes).toEqual({ CONNECTED: s.byMix.a!.attempted, REJECTED_486: s.byMix.b!.attempted });
    expect(s.byMix.b!.attempted).toBeGreaterThan(0);
    expect(invites).toBe(50);
    expect(s.setupMs.count).toBe(50);
  });

  it('sharded over 2 worker threads, each its own lean engine and socket', async () => {
    const { ua, seen, sources } = await countingUas(UAS, (inv) => void inv.accept({ body: SDP }).catch(() => {}));
    open.push(ua);
    const s = await runLoad(
      { stages: [{ kind: 'constant', rate: 100, durationMs: 1500 }], hold: { kind: 'uniform', minMs: 0, maxMs: 20 }, mix: [{ name: 'a', weight: 1, dial: 'a', expect: 'CONNECTED' }], seed: 5, workers: 2 },
      { kind: 'sip-uac', options: { target: { address: UAS, port: ua.transport.local.port, transport: 'udp' }, local: { address: UAC }, engine: 'lean' } },
      { warmUpCalls: 200 },
    );
    expect(s).toMatchObject({ attempted: 150, succeeded: 150, failed: 0, outcomes: { CONNECTED: 150 } });
    expect(seen.size).toBe(150);
    expect(sources.size).toBe(2);
  }, 60_000);
});
