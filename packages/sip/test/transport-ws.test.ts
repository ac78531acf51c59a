import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { parseMessage, UserAgent, WsTransport, type SipResponse, type WsTransportOptions } from '../src/index.ts';
import { selfSignedCert } from './support/tls-cert.ts';
import { acceptingUas, call, captureTrace, until } from './support/transport-call.ts';

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function ws(address: string, options: Partial<WsTransportOptions> = {}): Promise<WsTransport> {
  const t = await WsTransport.create({ address, port: 0, ...options });
  open.push(t);
  return t;
}

function options(callId: string): string {
  return `OPTIONS sip:127.0.21.31 SIP/2.0\r\nVia: SIP/2.0/WS abc.invalid;branch=z9hG4bK-${callId}\r\nMax-Forwards: 70\r\nFrom: <sip:t@example.com>;tag=a1\r\nTo: <sip:127.0.21.31>\r\nCall-ID: ${callId}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`;
}

/** A raw WebSocket client; resolves once open (or rejects with the handshake error). */
function client(url: string, protocols: string | string[] | undefined): Promise<{ sock: WebSocket; frames: Array<{ text: string; binary: boolean }> }> {
  const sock = protocols === undefined ? new WebSocket(url, { localAddress: '127.0.21.39' }) : new WebSocket(url, protocols, { localAddress: '127.0.21.39' });
  const frames: Array<{ text: string; binary: boolean }> = [];
  sock.on('message', (d, binary) => frames.push({ text: d.toString(), binary }));
  open.push({ close: () => sock.terminate() });
  return new Promise((resolve, reject) => {
    sock.once('open', () => resolve({ sock, frames }));
    sock.once('error', reject);
  });
}

describe('WsTransport: calls over WS and WSS (RFC 7118)', () => {
  it('INVITE → 200 → ACK → BYE → 200 over WS, one WebSocket each way, Via WS and Contact transport=ws', async () => {
    const uasT = await ws('127.0.21.31');
    const uas = acceptingUas(uasT);
    open.push(uas.ua);
    const uacT = await ws('127.0.21.30');
    const uac = new UserAgent({ transport: uacT });
    open.push(uac);
    const trace = captureTrace();
    expect(await call(uac, uasT.local, uas)).toEqual({ invite: 200, bye: 200 });
    await until(() => uas.ended.length === 1);
    trace.stop();
    expect(uas.ended).toEqual(['remote:bye']);
    expect(uacT.connectionCount).toBe(1);
    expect(uasT.connectionCount).toBe(1);
    const invite = trace.records.find((r) => r.direction === 'out' && r.raw.toString().startsWith('INVITE'))!;
    expect(invite.transport).toBe('ws');
    expect(invite.raw.toString()).toMatch(/^Via: SIP\/2\.0\/WS 127\.0\.21\.30:\d+;/m);
    expect(invite.raw.toString()).toMatch(/^Contact: <sip:127\.0\.21\.30:\d+;transport=ws>\r$/m);
    expect(uasT.dump()).toMatchObject({ protocol: 'ws', connections: [{ direction: 'inbound', protocol: 'ws' }] });
  });

  it('the same call over WSS with a self-signed certificate', async () => {
    const cert = selfSignedCert(['127.0.21.32', '127.0.21.33']);
    const creds = { key: cert.key, cert: cert.cert, ca: cert.cert };
    const uasT = await ws('127.0.21.33', { tls: creds });
    const uas = acceptingUas(uasT);
    open.push(uas.ua);
    const uacT = await ws('127.0.21.32', { tls: creds });
    const uac = new UserAgent({ transport: uacT });
    open.push(uac);
    expect(uacT.protocol).toBe('wss');
    expect(await call(uac, uasT.local, uas)).toEqual({ invite: 200, bye: 200 });
    expect(uacT.connectionCount).toBe(1);
    expect(uasT.connectionCount).toBe(1);
  });
});

describe('WsTransport: subprotocol negotiation and framing', () => {
  it('selects "sip" among the offered subprotocols; one SIP message per text frame; a sent-by with no port still gets its response', async () => {
    const t = await ws('127.0.21.31');
    open.push(new UserAgent({ transport: t }));
    const { sock, frames } = await client(`ws://127.0.21.31:${t.local.port}/`, ['foo', 'sip']);
    expect(sock.protocol).toBe('sip');
    sock.send(options('ws-opt-1'));
    sock.send(options('ws-opt-2'));
    await until(() => frames.length === 2);
    expect(frames.every((f) => !f.binary)).toBe(true);
    expect(frames.map((f) => { const r = parseMessage(Buffer.from(f.text), { datagram: true }) as SipResponse; return `${r.status} ${r.callId}`; })).toEqual(['200 ws-opt-1', '200 ws-opt-2']);
    expect(t.connectionCount).toBe(1);
  });

  it('refuses an upgrade that does not offer "sip" with HTTP 400, and one with no subprotocol at all', async () => {
    const t = await ws('127.0.21.31');
    await expect(client(`ws://127.0.21.31:${t.local.port}/`, ['chat'])).rejects.toThrow(/Unexpected server response: 400/);
    await expect(client(`ws://127.0.21.31:${t.local.port}/`, undefined)).rejects.toThrow(/Unexpected server response: 400/);
    expect(t.connectionCount).toBe(0);
  });

  it('answers plain HTTP with 426 Upgrade Required, and an upgrade to another path with 404', async () => {
    const t = await ws('127.0.21.31');
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => http.get({ host: '127.0.21.31', port: t.local.port, path: '/' }, resolve).on('error', reject));
    res.resume();
    expect(res.statusCode).toBe(426);
    expect(res.headers.upgrade).toBe('websocket');
    await expect(client(`ws://127.0.21.31:${t.local.port}/elsewhere`, 'sip')).rejects.toThrow(/Unexpected server response: 404/);
  });

  it('our client refuses a server that does not agree to "sip"', async () => {
    const server = new WebSocketServer({ host: '127.0.21.38', port: 0, handleProtocols: () => false });
    await new Promise((r) => server.once('listening', r));
    open.push({ close: () => new Promise((r) => server.close(r)) });
    const t = await ws('127.0.21.30');
    const port = (server.address() as { port: number }).port;
    await expect(t.send(Buffer.from(options('x')), { address: '127.0.21.38', port })).rejects.toThrow(/Server sent no subprotocol/);
    expect(t.connectionCount).toBe(0);
  });

  it('answers a CRLFCRLF keep-alive with CRLF, and closes a connection whose message exceeds maxMessageSize', async () => {
    const t = await ws('127.0.21.31', { maxMessageSize: 2048 });
    const errors: Error[] = [];
    t.on('error', (e) => errors.push(e));
    const { sock, frames } = await client(`ws://127.0.21.31:${t.local.port}/`, 'sip');
    sock.send('\r\n\r\n');
    await until(() => frames.length === 1);
    expect(frames[0]!.text).toBe('\r\n');
    const closed = new Promise<number>((r) => sock.once('close', (code) => r(code)));
    sock.send(options('big').replace('Content-Length: 0\r\n\r\n', `Content-Length: 3000\r\n\r\n${'x'.repeat(3000)}`));
    expect(await closed).toBe(1009);
    expect(errors.some((e) => /exceeds the 2048-byte limit/.test(e.message))).toBe(true);
    await until(() => t.connectionCount === 0);
  });

  it('close() closes every WebSocket and the server; idempotent', async () => {
    const t = await ws('127.0.21.31');
    const { sock } = await client(`ws://127.0.21.31:${t.local.port}/`, 'sip');
    const closed = new Promise<number>((r) => sock.once('close', (code) => r(code)));
    await until(() => t.connectionCount === 1);
    await Promise.all([t.close(), t.close()]);
    expect(await closed).toBe(1000);
    expect(t.dump()).toMatchObject({ closed: true, connections: [] });
    await expect(client(`ws://127.0.21.31:${t.local.port}/`, 'sip')).rejects.toThrow(/ECONNREFUSED/);
  });
});
