import { FakeClock } from '@gwsim/common';
import { parseMessage, type IncomingRequest, type SipRequest } from '@gwsim/sip';
import { describe, expect, it } from 'vitest';
import { Registrar } from '../src/index.ts';

function register(contact: string, extra = ''): { req: IncomingRequest; answers: Array<{ status: number; reason?: string; headers?: Array<[string, string]> }> } {
  const raw = `REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.101:5060;branch=z9hG4bKr\r\nFrom: <sip:room@example.com>;tag=1\r\nTo: <sip:room@example.com>\r\nCall-ID: r1\r\nCSeq: 1 REGISTER\r\nContact: ${contact}\r\n${extra}Content-Length: 0\r\n\r\n`;
  const answers: Array<{ status: number; reason?: string; headers?: Array<[string, string]> }> = [];
  const req: IncomingRequest = {
    request: parseMessage(Buffer.from(raw), { datagram: true }) as SipRequest,
    source: { address: '127.0.0.101', port: 5060 },
    respond: (status, init) => answers.push({ status, reason: init?.reason, headers: init?.headers }),
  };
  return { req, answers };
}

describe('Registrar (RFC 3261 §10.3)', () => {
  it('binds, answers with the live contacts and expires the binding on time', () => {
    const clock = new FakeClock();
    const r = new Registrar({ clock });
    const { req, answers } = register('<sip:room@127.0.0.101:5060>', 'Expires: 120\r\n');
    r.handle(req);
    expect(answers[0]!.status).toBe(200);
    expect(answers[0]!.headers).toEqual([['Contact', '<sip:room@127.0.0.101:5060>;expires=120']]);
    expect(r.isRegistered('room@example.com')).toBe(true);
    clock.advance(119_000);
    expect(r.isRegistered('room@example.com')).toBe(true);
    clock.advance(1_000);
    expect(r.isRegistered('room@example.com')).toBe(false);
  });

  it('removes bindings with expires=0 and with Contact: * / Expires: 0', () => {
    const r = new Registrar();
    r.handle(register('<sip:room@127.0.0.101>').req);
    expect(r.isRegistered('room@example.com')).toBe(true);
    r.handle(register('<sip:room@127.0.0.101>;expires=0').req);
    expect(r.isRegistered('room@example.com')).toBe(false);
    r.handle(register('<sip:room@127.0.0.101>').req);
    const star = register('*', 'Expires: 0\r\n');
    r.handle(star.req);
    expect(star.answers[0]!.status).toBe(200);
    expect(r.isRegistered('room@example.com')).toBe(false);
  });

  it('answers 423 with Min-Expires for a too-short interval and 400 for junk, changing nothing', () => {
    const r = new Registrar({ minExpires: 60 });
    const short = register('<sip:room@127.0.0.101>', 'Expires: 10\r\n');
    r.handle(short.req);
    expect(short.answers[0]).toMatchObject({ status: 423, headers: [['Min-Expires', '60']] });
    const junk = register('<sip:room@127.0.0.101>', 'Expires: soon\r\n');
    r.handle(junk.req);
    expect(junk.answers[0]).toMatchObject({ status: 400, reason: 'Bad expires value "soon"' });
    const star = register('*', 'Expires: 5\r\n');
    r.handle(star.req);
    expect(star.answers[0]!.status).toBe(400);
    expect(r.dump()).toEqual([]);
  });
});
