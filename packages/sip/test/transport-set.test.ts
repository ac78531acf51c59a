import { afterEach, describe, expect, it } from 'vitest';
import { MTU_SIZE_LIMIT, TransportSet, UdpTransport, UserAgent } from '../src/index.ts';
import { acceptingUas, call, captureTrace, SDP, until } from './support/transport-call.ts';

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

const timers = { T1: 40, T2: 400, T4: 500 };
/** An SDP offer big enough to push the INVITE over 1300 bytes (many codecs and attributes, as VTCs send). */
const BIG_SDP = SDP + Array.from({ length: 40 }, (_, i) => `a=rtpmap:${96 + i} H264/90000\r\n`).join('');

async function set(address: string): Promise<TransportSet> {
  const t = await TransportSet.create({ address });
  open.push(t);
  return t;
}

function lines(trace: ReturnType<typeof captureTrace>, side: string): string[] {
  return trace.summary().filter((l) => l.startsWith('out') && l.includes(` ${side}:`)).map((l) => { const p = l.split(' '); return `${p[1]} ${p[3]}`; });
}

describe('TransportSet: RFC 3261 §18.1.1 (requests over 1300 bytes go over TCP)', () => {
  it('binds UDP and TCP on the same address and port and behaves as a UDP transport', async () => {
    const t = await set('127.0.21.60');
    expect(t.udp.local).toEqual(t.tcp.local);
    expect(t.local).toEqual(t.udp.local);
    expect(t.protocol).toBe('udp');
    expect(t.reliable).toBe(false);
    expect(t.dump().members!.map((m) => m.protocol)).toEqual(['udp', 'tcp']);
  });

  it('a large INVITE and its responses go over TCP with Via rewritten to TCP; the small ACK and BYE use UDP', async () => {
    const uasT = await set('127.0.21.61');
    const uas = acceptingUas(uasT);
    open.push(uas.ua);
    const uacT = await set('127.0.21.60');
    const uac = new UserAgent({ transport: uacT, timers });
    open.push(uac);
    const trace = captureTrace();
    expect(await call(uac, uasT.local, uas, BIG_SDP)).toEqual({ invite: 200, bye: 200 });
    trace.stop();
    const invite = trace.records.find((r) => r.direction === 'out' && r.raw.toString().startsWith('INVITE'))!;
    expect(invite.raw.length).toBeGreaterThan(MTU_SIZE_LIMIT);
    expect(invite.transport).toBe('tcp');
    expect(invite.raw.toString()).toMatch(/^Via: SIP\/2\.0\/TCP 127\.0\.21\.60:\d+;branch=/m);
    expect(lines(trace, '127.0.21.60')).toEqual(['tcp INVITE', 'udp ACK', 'udp BYE']);
    expect(lines(trace, '127.0.21.61').filter((l) => l !== 'tcp 100')).toEqual(['tcp 200', 'udp 200']); // 100 Trying is the UA's choice
    expect(uacT.tcp.connectionCount).toBe(1);
  });

  it('a retransmission (the same bytes sent again by timer A/E/G) is not repeated over TCP', async () => {
    const a = await set('127.0.21.60');
    const b = await set('127.0.21.61');
    const got: string[] = [];
    b.on('message', (m, _from, raw) => got.push(`${m.callId} ${raw.length}`));
    const big = Buffer.from(`OPTIONS sip:x@127.0.21.61 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.21.60:${a.local.port};branch=z9hG4bK-big\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:x@y>\r\nCall-ID: big\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nX-Pad: ${'p'.repeat(1400)}\r\nContent-Length: 0\r\n\r\n`);
    await a.send(big, b.local);
    await a.send(big, b.local);
    await a.send(Buffer.from(big), b.local); // equal bytes in a new buffer: a new message as far as the set knows
    await until(() => got.length === 2);
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toEqual([`big ${big.length}`, `big ${big.length}`]);
    expect(a.tcp.connectionCount).toBe(1);
  });

  it('a small INVITE stays on UDP end to end', async () => {
    const uasT = await set('127.0.21.61');
    const uas = acceptingUas(uasT);
    open.push(uas.ua);
    const uacT = await set('127.0.21.60');
    const uac = new UserAgent({ transport: uacT, timers });
    open.push(uac);
    const trace = captureTrace();
    expect(await call(uac, uasT.local, uas)).toEqual({ invite: 200, bye: 200 });
    trace.stop();
    expect(trace.records.every((r) => r.transport === 'udp')).toBe(true);
    expect(uacT.tcp.connectionCount).toBe(0);
  });

  it('falls back to UDP when the peer refuses the TCP connection (§18.1.1)', async () => {
    const udpOnly = await UdpTransport.create({ address: '127.0.21.62', port: 0 });
    const uas = acceptingUas(udpOnly);
    open.push(uas.ua);
    const uacT = await set('127.0.21.60');
    const uac = new UserAgent({ transport: uacT, timers });
    open.push(uac);
    const trace = captureTrace();
    expect(await call(uac, udpOnly.local, uas, BIG_SDP)).toEqual({ invite: 200, bye: 200 });
    trace.stop();
    expect(lines(trace, '127.0.21.60')).toEqual(['udp INVITE', 'udp ACK', 'udp BYE']);
    await until(() => uacT.tcp.connectionCount === 0);
  });
});
