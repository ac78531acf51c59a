import { createLogger, sleep } from '@gwsim/common';
import { afterEach, describe, expect, it } from 'vitest';
import { SipError, UdpTransport, UserAgent, type Dialog, type UserAgentOptions } from '../src/index.ts';

/** drachtio-srf style middleware on the UAS side (STYLE.md), Promise-only, in front of the delegates. */
const timers = { T1: 40, T2: 400, T4: 500 };
const open: UserAgent[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function ua(address: string, extra: Partial<UserAgentOptions> = {}): Promise<UserAgent> {
  const agent = new UserAgent({ transport: await UdpTransport.create({ address, port: 0 }), timers, ...extra });
  open.push(agent);
  return agent;
}

const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.22.51\r\ns=-\r\nc=IN IP4 127.0.22.51\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';

describe('UserAgent.use (middleware)', () => {
  it('runs in order, per method, sharing locals; falls through to the delegate when the last one calls next()', async () => {
    const order: string[] = [];
    const uas = await ua('127.0.22.52', {
      onInvite: (inv) => {
        order.push('onInvite');
        inv.reject(486, 'Busy Here');
      },
      onRequest: (r) => {
        order.push(`onRequest:${String(r.locals.who)}`);
        r.respond(200);
      },
    });
    uas
      .use(async (req, _res, next) => {
        order.push(`all:${req.method}`);
        req.locals.who = 'room';
        await next();
        order.push(`all:${req.method}:after`);
      })
      .use('invite', (req, _res, next) => {
        order.push(`invite-only:${req.invite?.state}`);
        return next();
      });
    const uac = await ua('127.0.22.51');
    const dest = { destination: uas.transport.local, uri: 'sip:1234567890123@127.0.22.52', from: 'sip:room@example.com' };
    expect((await uac.invite(dest).result).status).toBe(486);
    expect((await uac.request({ ...dest, method: 'OPTIONS' })).status).toBe(200);
    expect(order).toEqual(['all:INVITE', 'invite-only:pending', 'onInvite', 'all:INVITE:after', 'all:OPTIONS', 'onRequest:room', 'all:OPTIONS:after']);
  });

  it('answers INVITE through res.send: 180, then 200 with SDP resolving with the dialog once ACKed', async () => {
    let dialog: Dialog | null = null;
    const uas = await ua('127.0.22.54');
    uas.use(async (req, res) => {
      expect(req.invite).not.toBeNull();
      await res.send(180);
      expect(res.finalSent).toBe(false);
      dialog = await res.send(200, { body: SDP });
      expect(res.finalSent).toBe(true);
    });
    const uac = await ua('127.0.22.53');
    const out = uac.invite({ destination: uas.transport.local, uri: 'sip:x@127.0.22.54', from: 'sip:room@example.com', body: SDP });
    const provisional: number[] = [];
    out.on('provisional', (r) => provisional.push(r.status));
    const r = await out.result;
    expect([r.status, r.response.body.toString()]).toEqual([200, SDP]);
    expect(provisional).toEqual([180]);
    await sleep(30);
    expect(dialog).not.toBeNull();
    expect(dialog!.callId).toBe(r.dialog!.callId);
  });

  it('a thrown SipError becomes its response, any other exception a 500 (and a log line), never a crash', async () => {
    const lines: string[] = [];
    const uas = await ua('127.0.22.56', { logger: createLogger({ level: 'error', sink: (l) => lines.push(l) }) });
    uas.use('MESSAGE', async () => {
      await sleep(1);
      throw new SipError(415, 'Unsupported Media Type');
    });
    uas.use('INVITE', () => {
      throw new Error('bug in a middleware');
    });
    const uac = await ua('127.0.22.55');
    const dest = { destination: uas.transport.local, uri: 'sip:x@127.0.22.56', from: 'sip:room@example.com' };
    expect((await uac.request({ ...dest, method: 'MESSAGE', body: 'hi', contentType: 'text/x-unknown' })).status).toBe(415);
    expect((await uac.invite(dest).result).status).toBe(500);
    expect(lines.join('\n')).toMatch(/bug in a middleware/);
  });

  it('a CANCEL while a middleware awaits: 487 to the caller, and the late res.send(200) resolves null', async () => {
    let late: Dialog | null | undefined;
    const uas = await ua('127.0.22.58');
    uas.use(async (_req, res) => {
      await res.send(180);
      await sleep(100);
      late = await res.send(200, { body: SDP });
    });
    const uac = await ua('127.0.22.57');
    const out = uac.invite({ destination: uas.transport.local, uri: 'sip:x@127.0.22.58', from: 'sip:room@example.com', body: SDP });
    out.on('provisional', () => out.cancel([['Reason', 'SIP;cause=487;text="caller gave up"']]));
    expect((await out.result).status).toBe(487);
    await sleep(150);
    expect(late).toBeNull();
  });
});
