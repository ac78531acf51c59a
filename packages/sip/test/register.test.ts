import { FakeClock } from '@gwsim/common';
import { afterEach, describe, expect, it } from 'vitest';
import { DigestAuthenticator, parseMessage, Registrar, UdpTransport, UserAgent, type IncomingRequest, type SipRequest, type SipResponse } from '../src/index.ts';

type Answer = { status: number; reason?: string; headers?: Array<[string, string]> };

function register(contact: string, extra = '', cseq = 1, callId = 'r1'): { req: Pick<IncomingRequest, 'request' | 'source' | 'respond'>; answers: Answer[] } {
  const raw = `REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.22.81:5060;branch=z9hG4bKr${cseq}\r\nFrom: <sip:room@example.com>;tag=1\r\nTo: <sip:room@example.com>\r\nCall-ID: ${callId}\r\nCSeq: ${cseq} REGISTER\r\nContact: ${contact}\r\n${extra}Content-Length: 0\r\n\r\n`;
  const answers: Answer[] = [];
  const req = {
    request: parseMessage(Buffer.from(raw), { datagram: true }) as SipRequest,
    source: { address: '127.0.22.81', port: 5060 },
    respond: (status: number, init?: { reason?: string; headers?: Array<[string, string]> }) => void answers.push({ status, reason: init?.reason, headers: init?.headers }),
  };
  return { req, answers };
}

describe('Registrar (RFC 3261 §10.3)', () => {
  it('binds, answers with the live contacts and expires the binding on time', () => {
    const clock = new FakeClock();
    const r = new Registrar({ clock });
    const { req, answers } = register('<sip:room@127.0.22.81:5060>', 'Expires: 120\r\n');
    r.handle(req);
    expect(answers[0]!.status).toBe(200);
    expect(answers[0]!.headers).toEqual([['Contact', '<sip:room@127.0.22.81:5060>;expires=120']]);
    expect(r.isRegistered('room@example.com')).toBe(true);
    clock.advance(119_000);
    expect(r.isRegistered('room@example.com')).toBe(true);
    clock.advance(1_000);
    expect(r.isRegistered('room@example.com')).toBe(false);
  });

  it('removes bindings with expires=0 and with Contact: * / Expires: 0', () => {
    const r = new Registrar();
    r.handle(register('<sip:room@127.0.22.81>', '', 1).req);
    expect(r.isRegistered('room@example.com')).toBe(true);
    r.handle(register('<sip:room@127.0.22.81>;expires=0', '', 2).req);
    expect(r.isRegistered('room@example.com')).toBe(false);
    r.handle(register('<sip:room@127.0.22.81>', '', 3).req);
    const star = register('*', 'Expires: 0\r\n', 4);
    r.handle(star.req);
    expect(star.answers[0]!.status).toBe(200);
    expect(r.isRegistered('room@example.com')).toBe(false);
  });

  it('answers 423 with Min-Expires for a too-short interval and 400 for junk, changing nothing', () => {
    const r = new Registrar({ minExpires: 60 });
    const short = register('<sip:room@127.0.22.81>', 'Expires: 10\r\n');
    r.handle(short.req);
    expect(short.answers[0]).toMatchObject({ status: 423, headers: [['Min-Expires', '60']] });
    const junk = register('<sip:room@127.0.22.81>', 'Expires: soon\r\n');
    r.handle(junk.req);
    expect(junk.answers[0]).toMatchObject({ status: 400, reason: 'Bad expires value "soon"' });
    const star = register('*', 'Expires: 5\r\n');
    r.handle(star.req);
    expect(star.answers[0]!.status).toBe(400);
    expect(r.dump()).toEqual([]);
  });

  it('§10.3 step 7: the same Call-ID with a CSeq not above the binding’s is refused (500); another Call-ID may replace it', () => {
    const r = new Registrar();
    r.handle(register('<sip:room@127.0.22.81>', '', 5).req);
    const old = register('<sip:room@127.0.22.81>;expires=0', '', 5);
    r.handle(old.req);
    expect(old.answers[0]).toMatchObject({ status: 500, reason: 'CSeq out of order' });
    expect(r.isRegistered('room@example.com')).toBe(true);
    r.handle(register('<sip:room@127.0.22.81>;expires=0', '', 1, 'another-call-id').req);
    expect(r.isRegistered('room@example.com')).toBe(false);
  });
});

describe('RegisterClient against a Registrar behind digest auth (real UDP, FakeClock)', () => {
  const open: UserAgent[] = [];
  afterEach(async () => {
    while (open.length) await open.pop()!.close();
  });
  const settle = () => new Promise((r) => setTimeout(r, 30));

  async function setup(minExpires = 60) {
    const clock = new FakeClock();
    const registrar = new Registrar({ clock, minExpires });
    const auth = new DigestAuthenticator({ realm: 'example.com', lookup: (u) => (u === 'room' ? 's3cret' : null), clock });
    const server = new UserAgent({ transport: await UdpTransport.create({ address: '127.0.22.82', port: 0 }), clock, middleware: [auth.middleware({ methods: ['REGISTER'] }), registrar.middleware()] });
    const client = new UserAgent({ transport: await UdpTransport.create({ address: '127.0.22.81', port: 0 }), clock, contactUser: 'room' });
    open.push(client, server);
    return { clock, registrar, server, client };
  }

  it('registers (401 → credentials → 200), refreshes before expiry with a higher CSeq on the same Call-ID, unregisters', async () => {
    const { clock, registrar, server, client } = await setup();
    const reg = client.createRegisterClient({ registrar: 'sip:example.com', aor: 'sip:room@example.com', destination: server.transport.local, expires: 120, credentials: { username: 'room', password: 's3cret' } });
    const granted: number[] = [];
    reg.on('registered', (e) => granted.push(e));
    const res = await reg.register();
    expect(res.status).toBe(200);
    expect(granted).toEqual([120]);
    expect(registrar.isRegistered('room@example.com')).toBe(true);
    const first = registrar.dump()[0]!;
    expect(first.contact).toBe(`sip:room@127.0.22.81:${client.transport.local.port}`);
    clock.advance(88_000 - 1); // refresh 32 s before the granted 120 s
    await settle();
    expect(registrar.dump()[0]!.cseq).toBe(first.cseq);
    clock.advance(1);
    await settle();
    await settle();
    const refreshed = registrar.dump()[0]!;
    expect(granted).toEqual([120, 120]);
    expect(refreshed.callId).toBe(first.callId);
    expect(refreshed.cseq).toBeGreaterThan(first.cseq);
    expect(refreshed.expiresAt).toBe(clock.now() + 120_000);
    expect((await reg.unregister()).status).toBe(200);
    expect(registrar.isRegistered('room@example.com')).toBe(false);
    expect(reg.registered).toBe(false);
  });

  it('423 Interval Too Brief: retried with the registrar’s Min-Expires; a wrong password is a "failed" event', async () => {
    const { registrar, server, client } = await setup(300);
    const reg = client.createRegisterClient({ registrar: 'sip:example.com', aor: 'sip:room@example.com', destination: server.transport.local, expires: 120, credentials: { username: 'room', password: 's3cret' }, retryAfterMs: 0 });
    expect((await reg.register()).status).toBe(200);
    expect(reg.expires).toBe(300);
    expect(registrar.dump()[0]!.expiresAt).toBe(300_000);
    const bad = client.createRegisterClient({ registrar: 'sip:example.com', aor: 'sip:room@example.com', destination: server.transport.local, credentials: { username: 'room', password: 'nope' }, retryAfterMs: 0 });
    const failed: SipResponse[] = [];
    bad.on('failed', (r) => failed.push(r));
    expect((await bad.register()).status).toBe(403);
    expect(failed.map((r) => r.status)).toEqual([403]);
    expect(client.dump().registrations).toHaveLength(2);
    await bad.close();
    expect(client.dump().registrations).toHaveLength(1);
  });
});
