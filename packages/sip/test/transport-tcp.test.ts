import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseMessage, StreamFramer, TcpTransport, UserAgent, type SipMessage, type SipResponse, type TransportAddress } from '../src/index.ts';
import { acceptingUas, call, captureTrace, until } from './support/transport-call.ts';

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function tcp(address: string, options: Partial<Parameters<typeof TcpTransport.create>[0]> = {}): Promise<TcpTransport> {
  const t = await TcpTransport.create({ address, port: 0, ...options });
  open.push(t);
  return t;
}

function agent(ua: UserAgent): UserAgent {
  open.push(ua);
  return ua;
}

/** A bare TCP peer that frames what it receives. */
async function rawPeer(to: TransportAddress, from: string) {
  const sock = net.connect({ host: to.address, port: to.port, localAddress: from });
  await new Promise<void>((r) => sock.once('connect', () => r()));
  const messages: SipMessage[] = [];
  let pongs = 0;
  let bytes = '';
  const framer = new StreamFramer({ message: (f) => messages.push(parseMessage(f, { datagram: false })), ping: () => {}, error: () => {} });
  sock.on('data', (d: Buffer) => {
    bytes += d.toString('latin1');
    if (/^(\r\n)+$/.test(d.toString('latin1'))) pongs++;
    else framer.push(d);
  });
  const ended = new Promise<void>((r) => sock.once('close', () => r()));
  open.push({ close: () => sock.destroy() });
  return { sock, messages, ended, pongs: () => pongs, bytes: () => bytes };
}

function options(callId: string, via = 'SIP/2.0/TCP 127.0.21.9:5099;branch=z9hG4bK-opt-' + callId, extra = ''): string {
  return `OPTIONS sip:127.0.21.2 SIP/2.0\r\nVia: ${via}\r\nMax-Forwards: 70\r\nFrom: <sip:t@example.com>;tag=a1\r\nTo: <sip:127.0.21.2>\r\nCall-ID: ${callId}\r\nCSeq: 1 OPTIONS\r\n${extra}Content-Length: 0\r\n\r\n`;
}

describe('TcpTransport: calls between two UserAgents over real TCP', () => {
  it('INVITE → 200 → ACK → BYE → 200, everything on one connection in each direction, Via and Contact say TCP', async () => {
    const uasT = await tcp('127.0.21.2');
    const uas = acceptingUas(uasT);
    agent(uas.ua);
    const uacT = await tcp('127.0.21.1');
    const uac = agent(new UserAgent({ transport: uacT }));
    const trace = captureTrace();
    const outcome = await call(uac, uasT.local, uas);
    await until(() => uas.ended.length === 1);
    trace.stop();
    expect(outcome).toEqual({ invite: 200, bye: 200 });
    expect(uas.ended).toEqual(['remote:bye']);
    expect(uacT.connectionCount).toBe(1);
    expect(uasT.connectionCount).toBe(1);
    const conn = uacT.dump().connections[0]!;
    expect(conn.direction).toBe('outbound');
    expect(uasT.dump().connections[0]!.direction).toBe('inbound');
    // Every message the UAC sent or received went over that connection: same local and remote port.
    const uacSide = trace.summary().filter((l) => l.includes(` tcp 127.0.21.1:`) && !l.endsWith(' 100')); // 100 Trying is the UA's choice
    expect(uacSide).toEqual([
      `out tcp 127.0.21.1:${conn.local.port}-127.0.21.2:${uasT.local.port} INVITE`,
      `in tcp 127.0.21.1:${conn.local.port}-127.0.21.2:${uasT.local.port} 200`,
      `out tcp 127.0.21.1:${conn.local.port}-127.0.21.2:${uasT.local.port} ACK`,
      `out tcp 127.0.21.1:${conn.local.port}-127.0.21.2:${uasT.local.port} BYE`,
      `in tcp 127.0.21.1:${conn.local.port}-127.0.21.2:${uasT.local.port} 200`,
    ]);
    const inviteRaw = trace.records.find((r) => r.direction === 'out' && r.raw.toString().startsWith('INVITE'))!.raw.toString();
    expect(inviteRaw).toMatch(/^Via: SIP\/2\.0\/TCP 127\.0\.21\.1:\d+;branch=z9hG4bK\w+;rport\r$/m);
    expect(inviteRaw).toMatch(/^Contact: <sip:127\.0\.21\.1:\d+;transport=tcp>\r$/m);
  });

  it('a BYE from the UAS goes back over the connection the caller opened (no second connection)', async () => {
    const uasT = await tcp('127.0.21.4');
    const uas = acceptingUas(uasT);
    agent(uas.ua);
    const uacT = await tcp('127.0.21.3');
    const uac = agent(new UserAgent({ transport: uacT }));
    let uacEnd = '';
    const result = await uac.invite({ destination: uasT.local, uri: 'sip:x@127.0.21.4', from: 'sip:room@example.com' }).result;
    result.dialog!.on('terminated', (r) => (uacEnd = `${r.by}:${r.cause}`));
    await until(() => uas.confirmed.length === 1);
    const bye = await uas.confirmed[0]!.bye();
    expect(bye.status).toBe(200);
    await until(() => uacEnd !== '');
    expect(uacEnd).toBe('remote:bye');
    expect(uasT.connectionCount).toBe(1);
    expect(uacT.connectionCount).toBe(1);
    expect(uasT.dump().connections[0]!.aliases).toContain(`127.0.21.3:${uacT.local.port}`);
  });

  it('ten calls in parallel to one peer share a single connection attempt', async () => {
    const uasT = await tcp('127.0.21.6');
    const uas = acceptingUas(uasT);
    agent(uas.ua);
    const uacT = await tcp('127.0.21.5');
    const uac = agent(new UserAgent({ transport: uacT }));
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => call(uac, uasT.local, uas)));
    expect(outcomes.every((o) => o.invite === 200 && o.bye === 200)).toBe(true);
    expect(uacT.connectionCount).toBe(1);
    expect(uasT.connectionCount).toBe(1);
  });

  it('an INVITE to a port where nobody listens ends in a synthesized 503 (§8.1.3.1), not an exception', async () => {
    const uacT = await tcp('127.0.21.7');
    const uac = agent(new UserAgent({ transport: uacT }));
    const dead = await tcp('127.0.21.8');
    const port = dead.local.port;
    await dead.close();
    const result = await uac.invite({ destination: { address: '127.0.21.8', port }, uri: 'sip:x@127.0.21.8', from: 'sip:room@example.com' }).result;
    expect(result.status).toBe(503);
    expect(result.local).toBe(true);
    expect(uacT.connectionCount).toBe(0);
  });
});

describe('TcpTransport: framing, keep-alives and limits on a real socket', () => {
  it('answers requests fed byte by byte and two coalesced in one segment; responses without rport use the same connection', async () => {
    const t = await tcp('127.0.21.2');
    agent(new UserAgent({ transport: t }));
    const peer = await rawPeer(t.local, '127.0.21.9');
    peer.sock.setNoDelay(true);
    const one = Buffer.from(options('bytewise'));
    for (let i = 0; i < one.length; i++) {
      peer.sock.write(one.subarray(i, i + 1));
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    peer.sock.write(options('c1') + options('c2'));
    await until(() => peer.messages.length === 3);
    expect(peer.messages.map((m) => `${(m as SipResponse).status} ${m.callId}`)).toEqual(['200 bytewise', '200 c1', '200 c2']);
    // Via had sent-by port 5099 and no rport: the response still came back over this connection.
    expect(t.connectionCount).toBe(1);
    expect(t.dump().connections[0]!.aliases).toEqual(['127.0.21.9:5099']);
  });

  it('answers a CRLFCRLF ping with a CRLF pong (RFC 5626 §4.4.1)', async () => {
    const t = await tcp('127.0.21.2');
    agent(new UserAgent({ transport: t }));
    const peer = await rawPeer(t.local, '127.0.21.9');
    peer.sock.write('\r\n\r\n');
    await until(() => peer.pongs() === 1);
    expect(peer.bytes()).toBe('\r\n');
    peer.sock.write('\r\n');
    peer.sock.write('\r\n'); // a ping split over two segments
    await until(() => peer.pongs() === 2);
    expect(t.connectionCount).toBe(1);
  });

  it('a message over maxMessageSize is answered 513 and its connection closed; error and malformed are reported', async () => {
    const t = await tcp('127.0.21.2', { maxMessageSize: 2048 });
    agent(new UserAgent({ transport: t }));
    const errors: Error[] = [];
    const malformed: Error[] = [];
    t.on('error', (e) => errors.push(e));
    t.on('malformed', (e) => malformed.push(e));
    const peer = await rawPeer(t.local, '127.0.21.9');
    const body = 'x'.repeat(4000);
    peer.sock.write(options('big', undefined, 'Content-Type: text/plain\r\n').replace('Content-Length: 0', `Content-Length: ${body.length}`) + body);
    await peer.ended;
    expect(peer.messages.map((m) => (m as SipResponse).status)).toEqual([513]);
    expect(errors[0]?.message).toContain('exceeds the 2048-byte limit');
    expect(malformed).toHaveLength(1);
    await until(() => t.connectionCount === 0);
  });

  it('garbage closes the connection and is reported as malformed', async () => {
    const t = await tcp('127.0.21.2');
    agent(new UserAgent({ transport: t }));
    const malformed: Error[] = [];
    t.on('malformed', (e) => malformed.push(e));
    const peer = await rawPeer(t.local, '127.0.21.9');
    peer.sock.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00]));
    await peer.ended;
    expect(malformed[0]?.message).toContain('cannot start a SIP message');
    await until(() => t.connectionCount === 0);
  });

  it('a framed message that does not parse is answered 400 and the connection stays open', async () => {
    const t = await tcp('127.0.21.2');
    agent(new UserAgent({ transport: t }));
    const peer = await rawPeer(t.local, '127.0.21.9');
    peer.sock.write(options('bad', undefined, 'Bad Header Without Colon\r\n'));
    peer.sock.write(options('good'));
    await until(() => peer.messages.length === 2);
    expect(peer.messages.map((m) => (m as SipResponse).status)).toEqual([400, 200]);
    expect(t.connectionCount).toBe(1);
  });

  it('drops a connection whose peer stops reading once the send queue passes its cap, with an error', async () => {
    const peers: net.Socket[] = [];
    const sink = net.createServer((s) => {
      s.pause();
      peers.push(s);
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.21.9', r));
    const t = await tcp('127.0.21.2', { maxBufferedBytes: 256 * 1024 });
    // Closed before the transport, so that its connections need not wait out their flush grace time.
    open.push({ close: () => new Promise<void>((r) => (peers.forEach((p) => p.destroy()), sink.close(() => r()))) });
    const errors: Error[] = [];
    t.on('error', (e) => errors.push(e));
    const to = { address: '127.0.21.9', port: (sink.address() as net.AddressInfo).port };
    const chunk = Buffer.from(options('fill', undefined, `X-Fill: ${'f'.repeat(60_000)}\r\n`));
    await t.send(chunk, to);
    const id = t.dump().connections[0]!.id;
    let rejected: Error | null = null;
    // Queue bursts without awaiting each write (awaiting would wait for a drain that never comes).
    for (let i = 0; i < 2000 && !rejected; i++) {
      for (let k = 0; k < 20 && !rejected; k++) void t.send(chunk, to).catch((e: Error) => (rejected ??= e));
      await new Promise((r) => setImmediate(r));
    }
    expect(rejected).not.toBeNull();
    expect(errors.some((e) => /send buffer over its 262144-byte cap/.test(e.message))).toBe(true);
    await until(() => !t.dump().connections.some((c) => c.id === id));
  });
});

describe('TcpTransport lifecycle', () => {
  it('close() closes the server and every connection, is idempotent, and later sends reject', async () => {
    const a = await tcp('127.0.21.2');
    const b = await tcp('127.0.21.3');
    await a.send(Buffer.from(options('x')), b.local);
    await until(() => b.connectionCount === 1);
    expect(a.dump()).toMatchObject({ protocol: 'tcp', local: a.local, closed: false, connections: [{ direction: 'outbound', remote: b.local }] });
    const p1 = b.close();
    const p2 = b.close();
    expect(p1).toBe(p2);
    await p1;
    expect(b.closed).toBe(true);
    expect(b.dump().connections).toEqual([]);
    await until(() => a.connectionCount === 0);
    await expect(b.send(Buffer.from(options('y')), a.local)).rejects.toMatchObject({ code: 'GWSIM_ERR_CLOSED' });
    await expect(new Promise((resolve, reject) => net.connect(b.local.port, '127.0.21.3').once('connect', resolve).once('error', reject))).rejects.toThrow(/ECONNREFUSED/);
  });

  it('closes connections idle for longer than idleTimeout', async () => {
    const a = await tcp('127.0.21.2', { idleTimeout: 150 });
    const b = await tcp('127.0.21.3', { idleTimeout: 60_000 });
    await a.send(Buffer.from(options('idle')), b.local);
    expect(a.connectionCount).toBe(1);
    await until(() => a.connectionCount === 0, 2000);
    await until(() => b.connectionCount === 0, 2000);
  });

  it('publishes every message on the trace channel with direction, transport, addresses and raw bytes', async () => {
    const a = await tcp('127.0.21.2');
    const b = await tcp('127.0.21.3');
    const got: string[] = [];
    b.on('message', (m) => got.push(m.callId));
    const trace = captureTrace();
    const raw = Buffer.from(options('traced'));
    await a.send(raw, b.local);
    await until(() => got.length === 1);
    trace.stop();
    const [out, inn] = trace.records;
    expect(out).toMatchObject({ direction: 'out', transport: 'tcp', local: { address: '127.0.21.2' }, remote: b.local });
    expect(inn).toMatchObject({ direction: 'in', transport: 'tcp', local: b.local, remote: { address: '127.0.21.2', port: out!.local.port } });
    expect(out!.raw.equals(raw)).toBe(true);
    expect(inn!.raw.equals(raw)).toBe(true);
    expect(typeof out!.time).toBe('number');
  });
});
