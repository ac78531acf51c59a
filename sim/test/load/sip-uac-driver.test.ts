import { OUTCOMES, reasonHeader } from '@gwsim/node';
import { TcpTransport, UdpTransport, UserAgent, type IncomingInvite } from '@gwsim/sip';
import dgram from 'node:dgram';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { MixEntry, SipUacDriverOptions } from '../../src/load/load-types.ts';
import { runLoad } from '../../src/load/generator.ts';
import { SipUacDriver } from '../../src/load/sip-uac-driver.ts';

/** Our SipUacDriver against peers on loopback (127.0.41.x): a UserAgent UAS doing what each case needs, or a silent socket. */
const UAC = '127.0.41.1';
const UAS = '127.0.41.2';
const SILENT = '127.0.41.3';
const FAST = { T1: 10, T2: 40, T4: 50 }; // Timer B = 64·T1 = 640 ms

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

const entry = (expect = 'CONNECTED'): MixEntry => ({ name: 'x', weight: 1, dial: '1000000000001', expect });
const never = new AbortController().signal;

async function uas(onInvite: (inv: IncomingInvite) => void, transport: 'udp' | 'tcp' = 'udp'): Promise<SipUacDriverOptions['target']> {
  const t = transport === 'tcp' ? await TcpTransport.create({ address: UAS, port: 0 }) : await UdpTransport.create({ address: UAS, port: 0 });
  const ua = new UserAgent({ transport: t, onInvite });
  open.push(ua);
  return { address: UAS, port: t.local.port, transport };
}

async function driver(target: SipUacDriverOptions['target'], timers?: SipUacDriverOptions['timers']): Promise<SipUacDriver> {
  const d = await SipUacDriver.create({ target, local: { address: UAC }, timers, domain: 'vc.example.com' });
  open.push(d);
  return d;
}

describe('SipUacDriver', () => {
  it('INVITE → 180 → 200 → ACK, hold, BYE: CONNECTED, with pdd at the 180 and the SDP offer sent', async () => {
    let uri = '';
    let sdp = '';
    let byeAt = 0;
    let answeredAt = 0;
    const target = await uas((inv) => {
      uri = inv.request.uri;
      sdp = inv.request.body.toString();
      inv.progress(180);
      setTimeout(() => {
        answeredAt = performance.now();
        inv.accept({ body: 'v=0\r\n' }).then((d) => d.on('terminated', () => void (byeAt = performance.now())), () => {});
      }, 40);
    });
    const d = await driver(target);
    const r = await d.place(entry(), 100, never);
    expect(r).toMatchObject({ outcome: 'CONNECTED', status: 200 });
    expect(r.failure).toBeUndefined();
    expect(r.setupMs).toBeGreaterThanOrEqual(35);
    expect(r.pddMs).toBeLessThan(r.setupMs);
    expect(r.callId).not.toBe('');
    expect(uri).toBe('sip:1000000000001@vc.example.com');
    expect(sdp).toMatch(/^v=0\r\n[\s\S]*m=audio 9 RTP\/AVP 0 8\r\n/);
    expect(byeAt - answeredAt).toBeGreaterThanOrEqual(90);
  });

  it('a refusal the node table names is that outcome (expected: success; otherwise unexpected_response)', async () => {
    const nf = OUTCOMES.MEETING_NOT_FOUND;
    const target = await uas((inv) => inv.reject(nf.status, nf.reason, [['Reason', reasonHeader(nf)]]));
    const d = await driver(target);
    expect(await d.place(entry('MEETING_NOT_FOUND'), 0, never)).toMatchObject({ outcome: 'MEETING_NOT_FOUND', status: 404 });
    const r = await d.place(entry(), 0, never);
    expect(r).toMatchObject({ outcome: 'MEETING_NOT_FOUND', failure: 'unexpected_response:404', status: 404 });
    expect(r.detail).toContain('404 Meeting not found');
  });

  it('a refusal nobody names is REJECTED_<code>', async () => {
    const target = await uas((inv) => inv.reject(486, 'Busy Here'));
    const d = await driver(target);
    expect(await d.place(entry(), 0, never)).toMatchObject({ outcome: 'REJECTED_486', failure: 'unexpected_response:486', status: 486 });
  });

  it('a remote BYE during the hold: unexpected_bye, or the outcome its Reason names', async () => {
    const denied = OUTCOMES.KNOCK_DENIED;
    const target = await uas((inv) => {
      inv.accept({ body: 'v=0\r\n' }).then((dlg) => setTimeout(() => void dlg.bye([['Reason', reasonHeader(denied)]]).catch(() => {}), 30), () => {});
    });
    const d = await driver(target);
    expect(await d.place(entry(), 5000, never)).toMatchObject({ outcome: 'KNOCK_DENIED', failure: 'unexpected_bye', status: 200 });
    const r = await d.place(entry('KNOCK_DENIED'), 5000, never);
    expect(r.outcome).toBe('KNOCK_DENIED');
    expect(r.failure).toBeUndefined();
  });

  it('a BYE the peer does not know (481) is bye_failed', async () => {
    const target = await uas((inv) => {
      // Forget the dialog without signalling: our BYE then matches nothing at the UAS.
      inv.accept({ body: 'v=0\r\n' }).then((dlg) => dlg.terminate({ by: 'local', cause: 'shutdown' }), () => {});
    });
    const d = await driver(target);
    expect(await d.place(entry(), 20, never)).toMatchObject({ outcome: 'CONNECTED', failure: 'bye_failed', status: 200 });
  });

  it('aborting during the hold hangs up at once and the call still counts as connected', async () => {
    let ended = false;
    const target = await uas((inv) => void inv.accept({ body: 'v=0\r\n' }).then((dlg) => dlg.on('terminated', () => void (ended = true)), () => {}));
    const d = await driver(target);
    const ac = new AbortController();
    const t = performance.now();
    setTimeout(() => ac.abort(), 100);
    const r = await d.place(entry(), 60_000, ac.signal);
    expect(performance.now() - t).toBeLessThan(3000);
    expect(r).toMatchObject({ outcome: 'CONNECTED', status: 200 });
    expect(r.failure).toBeUndefined();
    expect(ended).toBe(true);
  });

  it('no answer over UDP: Timer B → retransmission_exhausted', async () => {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, SILENT, r));
    open.push({ close: () => new Promise<void>((r) => sock.close(() => r())) });
    let datagrams = 0;
    sock.on('message', () => datagrams++);
    const d = await driver({ address: SILENT, port: sock.address().port, transport: 'udp' }, FAST);
    const r = await d.place(entry(), 0, never);
    expect(r).toMatchObject({ outcome: 'NO_RESPONSE', failure: 'retransmission_exhausted', status: 408 });
    expect(datagrams).toBeGreaterThan(3); // the INVITE was retransmitted (Timer A)
  });

  it('no answer over TCP: Timer B → timeout; nobody listening → transport_error', async () => {
    const server = net.createServer(() => {});
    await new Promise<void>((r) => server.listen(0, SILENT, r));
    const sockets = new Set<net.Socket>();
    server.on('connection', (s) => sockets.add(s));
    open.push({ close: () => new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), server.close(() => r()))) });
    const port = (server.address() as net.AddressInfo).port;
    const d = await driver({ address: SILENT, port, transport: 'tcp' }, FAST);
    expect(await d.place(entry(), 0, never)).toMatchObject({ outcome: 'NO_RESPONSE', failure: 'timeout', status: 408 });
    const closedPort = await new Promise<number>((resolve) => {
      const s = net.createServer();
      s.listen(0, SILENT, () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const d2 = await driver({ address: SILENT, port: closedPort, transport: 'tcp' }, FAST);
    expect(await d2.place(entry(), 0, never)).toMatchObject({ outcome: 'TRANSPORT_ERROR', failure: 'transport_error', status: 503 });
  });

  it('over TCP through runLoad (with its warm-up, which never reaches the target): every call connected', async () => {
    let invites = 0;
    const target = await uas((inv) => {
      invites++;
      void inv.accept({ body: 'v=0\r\n' }).catch(() => {});
    }, 'tcp');
    const s = await runLoad(
      { stages: [{ kind: 'constant', rate: 50, durationMs: 400 }], hold: { kind: 'fixed', ms: 10 }, mix: [{ name: 'tcp', weight: 1, dial: 'x', expect: 'CONNECTED' }], seed: 3 },
      { kind: 'sip-uac', options: { target, local: { address: UAC } } },
      { warmUpCalls: 50 },
    );
    expect(s).toMatchObject({ attempted: 20, succeeded: 20, failed: 0, outcomes: { CONNECTED: 20 } });
    expect(invites).toBe(20);
  });

  it('rejects bad options naming the field', async () => {
    await expect(SipUacDriver.create({ target: { address: 'sipp.local', port: 5060, transport: 'udp' }, local: { address: UAC } })).rejects.toThrow(/^driver\.target\.address: must be an IP address/);
    await expect(SipUacDriver.create({ target: { address: UAS, port: 0, transport: 'udp' }, local: { address: UAC } })).rejects.toThrow(/^driver\.target\.port: must be an integer from 1 to 65535, got 0/);
    await expect(SipUacDriver.create({ target: { address: UAS, port: 5060, transport: 'tls' as 'tcp' }, local: { address: UAC } })).rejects.toThrow(/^driver\.target\.transport: must be one of 'udp', 'tcp'/);
  });
});
