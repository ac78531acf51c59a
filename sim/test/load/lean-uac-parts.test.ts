import { afterEach, describe, expect, it } from 'vitest';
import { ResponseScanner, tagOf, uriOf } from '../../src/load/lean-uac-scan.ts';
import { SlotWheel } from '../../src/load/lean-uac-wheel.ts';

// The lean UAC engine's parts on their own: the response scanner and the timer wheel (lean-uac.test.ts: the engine on the wire).

/** A wheel fires up to one slot late; the machine may add this much (ms). */
const SLACK = 25;
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));
const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

describe('ResponseScanner', () => {
  const head = (text: string) => {
    const sc = new ResponseScanner();
    const kind = sc.scan(Buffer.from(text));
    return { kind, h: { ...sc.head, recordRoute: [...sc.head.recordRoute] } };
  };
  const base = ['Via: SIP/2.0/UDP 127.0.67.1:5060;branch=z9hG4bK1.abci;received=127.0.67.1', 'From: <sip:a@x>;tag=f', 'To: "Bob" <sip:b@y;tag=uri>;tag=t1', 'Call-ID: c1@h', 'CSeq: 1 INVITE', 'Contact: <sip:b@10.0.0.1:5070;transport=udp>;expires=60', 'Content-Length: 0'];
  const msg = (lines: string[], status = 'SIP/2.0 200 OK') => `${status}\r\n${lines.join('\r\n')}\r\n\r\n`;

  it('reads status, Call-ID, CSeq, top Via branch, To, Contact and Record-Route of a usual response', () => {
    const { kind, h } = head(msg([...base, 'Record-Route: <sip:p1;lr>, <sip:p2;lr>', 'Record-Route: <sip:p3;lr>', 'Via: SIP/2.0/UDP proxy;branch=z9hG4bKlower']));
    expect(kind).toBe('response');
    expect(h).toEqual({ status: 200, reason: 'OK', callId: 'c1@h', cseq: 1, method: 'INVITE', branch: 'z9hG4bK1.abci', to: '"Bob" <sip:b@y;tag=uri>;tag=t1', contact: '<sip:b@10.0.0.1:5070;transport=udp>;expires=60', recordRoute: ['<sip:p1;lr>, <sip:p2;lr>', '<sip:p3;lr>'] });
    expect(tagOf(h.to)).toBe('t1');
    expect(uriOf(h.contact)).toBe('sip:b@10.0.0.1:5070;transport=udp');
  });

  it('compact names, odd case and spacing, several Vias in one line', () => {
    const { h } = head(msg(['v: SIP/2.0/UDP a ; BRANCH = z9hG4bKx1 , SIP/2.0/UDP b;branch=z9hG4bKx2', 'f: <sip:a@x>;tag=f', 't: sip:b@y ; Tag = t2', 'i: c2', 'cseq: 2   BYE', 'm: sip:b@z;transport=udp']));
    expect(h).toMatchObject({ branch: 'z9hG4bKx1', callId: 'c2', cseq: 2, method: 'BYE', to: 'sip:b@y ; Tag = t2' });
    expect(tagOf(h.to)).toBe('t2');
    expect(uriOf(h.contact)).toBe('sip:b@z');
  });

  it('folded lines and bare LF go through the full parser; a UTF-8 reason phrase survives', () => {
    expect(head(msg([...base.slice(0, 3), 'Call-ID:', ' c3', ...base.slice(4)])).h.callId).toBe('c3');
    expect(head(msg(base).replaceAll('\r\n', '\n')).h).toMatchObject({ callId: 'c1@h', branch: 'z9hG4bK1.abci' });
    expect(head(msg(base, 'SIP/2.0 486 Besetzt – später')).h.reason).toBe('Besetzt – später');
  });

  it('requests and garbage are told apart; a response without a required header is garbage', () => {
    expect(head(`OPTIONS sip:a@b SIP/2.0\r\n${base.join('\r\n')}\r\n\r\n`).kind).toBe('request');
    expect(head('hello').kind).toBe('garbage');
    expect(head(msg(base.filter((l) => !l.startsWith('Call-ID')))).kind).toBe('garbage');
    expect(head(msg(base.map((l) => (l.startsWith('CSeq') ? 'CSeq: one INVITE' : l)))).kind).toBe('garbage');
    expect(head(msg(base, 'SIP/2.0 2x0 OK')).kind).toBe('garbage');
  });
});

describe('SlotWheel', () => {
  it('fires each item once at or after its time, less than a slot late; re-filing moves it, cancel drops it', async () => {
    const wheel = new SlotWheel(10);
    open.push(wheel);
    const fired: Array<{ name: string; late: number }> = [];
    const item = (name: string, at: () => number) => ({ slot: -1, onTimer: (now: number) => void fired.push({ name, late: now - at() }) });
    const t0 = performance.now();
    const a = item('a', () => t0 + 30);
    const b = item('b', () => t0 + 60);
    const c = item('c', () => t0 + 20);
    const past = item('past', () => t0 - 100);
    wheel.schedule(a, t0 + 30);
    wheel.schedule(b, t0 + 20);
    wheel.schedule(b, t0 + 60); // moved later: fires once, at 60
    wheel.schedule(c, t0 + 20);
    wheel.cancel(c);
    wheel.schedule(past, t0 - 100);
    await sleep(100);
    expect(fired.map((f) => f.name)).toEqual(['past', 'a', 'b']);
    for (const f of fired.slice(1)) {
      expect(f.late).toBeGreaterThanOrEqual(0);
      expect(f.late).toBeLessThan(10 + SLACK);
    }
  });
});
