import { spawnSync } from 'node:child_process';
import { createCipheriv, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { fastpath } from '../src/native.ts';
import { ipv4ToNumber, numberToIpv4, RtpPort, UdpBatchSocket, writeRtpHeaderFields } from '../src/index.ts';

// 127.0.68.0/24: this file's hosts
const A = '127.0.68.1';
const B = '127.0.68.2';
const C = '127.0.68.3';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function dgramSocket(address: string): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, address, r));
  cleanup.push(() => new Promise<void>((r) => s.close(() => r())));
  return s;
}

function batchSocket(address: string): UdpBatchSocket {
  const s = UdpBatchSocket.open(address);
  cleanup.push(() => s.close());
  return s;
}

async function until(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Node's UDP handle of a dgram socket (what RtpDataPlane adopts). */
function handleOf(socket: dgram.Socket): { fd: number; recvStart(): number; recvStop(): number } {
  const state = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol')!;
  return (socket as unknown as Record<symbol, { handle: { fd: number; recvStart(): number; recvStop(): number } }>)[state]!.handle;
}

describe('the fast path addon', () => {
  it('is built on this machine (the test command builds it: scripts/ensure-tools.sh)', () => {
    expect(fastpath.reason).toBe('');
    expect(UdpBatchSocket.available).toBe(true);
  });
});

describe('UdpBatchSocket', () => {
  it('reads many sockets at once, more datagrams than one receive area holds, and loses none', async () => {
    const peer = await dgramSocket(B);
    peer.setRecvBufferSize(4 << 20); // the 1,500 answers arrive in a burst too
    const sockets = Array.from({ length: 300 }, () => batchSocket(A));
    let received = 0;
    for (const s of sockets) s.onMessage((buf, ip, port) => (received++, s.send(buf, 0, buf.length, ip, port)));
    let back = 0;
    peer.on('message', () => back++);
    // 1,500 datagrams queued before this thread reads any: the 256-slot area is handed over whenever it fills
    for (let round = 0; round < 5; round++) for (const s of sockets) peer.send(Buffer.alloc(100, round), s.port, A);
    await until(() => back === 1500, 10_000);
    expect(received).toBe(1500);
    expect(sockets.every((s) => s.counters.received === 5 && s.counters.sent === 5)).toBe(true);
    expect(UdpBatchSocket.refused()).toBe(0);
  });

  it('pauses and resumes reading: datagrams wait in the kernel meanwhile', async () => {
    const peer = await dgramSocket(B);
    const s = batchSocket(A);
    const got: string[] = [];
    const listener = (buf: Buffer): void => void got.push(buf.toString());
    s.onMessage(listener);
    peer.send('before', s.port, A);
    await until(() => got.length === 1);
    s.onMessage(null);
    for (let i = 0; i < 5; i++) peer.send(`paused ${i}`, s.port, A);
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toEqual(['before']);
    s.onMessage(listener);
    await until(() => got.length === 6);
    expect(got).toEqual(['before', ...Array.from({ length: 5 }, (_, i) => `paused ${i}`)]);
  });

  it('receives in batches and answers to the sender: payload, address and port intact', async () => {
    const peer = await dgramSocket(B);
    const s = batchSocket(A);
    const batches: number[] = [];
    let inBatch = 0;
    s.onMessage((buf, ip, port) => {
      if (inBatch++ === 0) queueMicrotask(() => (batches.push(inBatch), (inBatch = 0)));
      expect(numberToIpv4(ip)).toBe(B);
      expect(port).toBe(peer.address().port);
      s.send(Buffer.from(`echo ${buf.toString()}`), 0, buf.length + 5, ip, port);
    });
    const echoed: string[] = [];
    peer.on('message', (m, r) => {
      expect(r).toMatchObject({ address: A, port: s.port });
      echoed.push(m.toString());
    });
    // 150 datagrams written in one burst by a synchronous loop: they queue in the kernel and are read in batches
    for (let i = 0; i < 150; i++) peer.send(`hello ${i}`, s.port, A);
    await until(() => echoed.length === 150);
    expect(echoed).toEqual(Array.from({ length: 150 }, (_, i) => `echo hello ${i}`));
    expect(s.counters).toMatchObject({ received: 150, sent: 150, truncated: 0 });
    expect(batches.reduce((a, b) => a + b, 0)).toBe(150);
    expect(Math.max(...batches)).toBeGreaterThan(1); // more than one datagram per recvmmsg
    expect(UdpBatchSocket.refused()).toBe(0);
  });

  it('copies a datagram when it is queued: the caller may reuse its buffer at once', async () => {
    const peer = await dgramSocket(B);
    const s = batchSocket(A);
    const got: string[] = [];
    peer.on('message', (m) => got.push(m.toString()));
    const buf = Buffer.from('first');
    s.send(buf, 0, buf.length, ipv4ToNumber(B), peer.address().port);
    buf.write('other');
    s.send(buf, 0, buf.length, ipv4ToNumber(B), peer.address().port);
    await until(() => got.length === 2);
    expect(got).toEqual(['first', 'other']);
  });

  it('flushes datagrams queued on several sockets in one tick, each from its own port', async () => {
    const peer = await dgramSocket(C);
    const one = batchSocket(A);
    const two = batchSocket(B);
    const from: string[] = [];
    peer.on('message', (m, r) => from.push(`${m.toString()}@${r.address}:${r.port}`));
    for (let i = 0; i < 3; i++) {
      one.send(Buffer.from(`a${i}`), 0, 2, ipv4ToNumber(C), peer.address().port);
      two.send(Buffer.from(`b${i}`), 0, 2, ipv4ToNumber(C), peer.address().port);
    }
    // more than the send queue holds: it is flushed when full, nothing is lost
    for (let i = 0; i < 150; i++) one.send(Buffer.from('x'), 0, 1, ipv4ToNumber(C), peer.address().port);
    await until(() => from.length === 156);
    expect(from.slice(0, 6).sort()).toEqual([0, 1, 2].flatMap((i) => [`a${i}@${A}:${one.port}`, `b${i}@${B}:${two.port}`]).sort());
  });

  it('counts a datagram larger than a slot as truncated and does not deliver it', async () => {
    const peer = await dgramSocket(B);
    const s = batchSocket(A);
    const got: number[] = [];
    s.onMessage((buf) => got.push(buf.length));
    peer.send(Buffer.alloc(5000), s.port, A);
    peer.send(Buffer.alloc(4096), s.port, A);
    await until(() => got.length === 1 && s.counters.truncated === 1);
    expect(got).toEqual([4096]);
    expect(() => s.send(Buffer.alloc(4097), 0, 4097, ipv4ToNumber(B), 9)).toThrow(/4097 bytes \(at most 4096\)/);
  });

  it('stops delivering when closed from its own listener, and close is idempotent', async () => {
    const peer = await dgramSocket(B);
    const s = UdpBatchSocket.open(A);
    let got = 0;
    s.onMessage(() => {
      got++;
      s.close();
    });
    for (let i = 0; i < 20; i++) peer.send('x', s.port, A);
    await until(() => got === 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toBe(1);
    expect(s.closed).toBe(true);
    s.close();
    s.send(Buffer.from('ignored'), 0, 7, ipv4ToNumber(B), peer.address().port);
    expect(s.counters.sent).toBe(0);
  });

  it('never hands a closed socket’s datagrams to a socket opened after it', async () => {
    const peer = await dgramSocket(B);
    const first = UdpBatchSocket.open(A);
    let second: UdpBatchSocket | null = null;
    let toSecond = 0;
    first.onMessage(() => {
      if (second !== null) return;
      // closed with the rest of its batch still in the receive area; the new socket must not inherit its id
      first.close();
      second = batchSocket(A);
      second.onMessage(() => toSecond++);
    });
    for (let i = 0; i < 20; i++) peer.send(`x${i}`, first.port, A);
    await until(() => second !== null);
    await new Promise((r) => setTimeout(r, 50));
    expect(toSecond).toBe(0);
    expect(first.counters.received).toBe(1);
  });

  it('answers bad arguments with errors that say what is wrong', async () => {
    expect(() => UdpBatchSocket.open('::1')).toThrow(/IPv4 only: ::1/);
    const taken = batchSocket(A);
    expect(() => UdpBatchSocket.open(A, taken.port)).toThrow(/bind: Address already in use/);
    const unix = await dgramSocket(B);
    expect(() => UdpBatchSocket.adopt(-5)).toThrow(/not a file descriptor: -5/);
    expect(() => UdpBatchSocket.adopt(0)).toThrow(/adopt: not a bound IPv4 UDP socket/); // stdin
    expect(handleOf(unix).fd).toBeGreaterThan(2);
    expect(ipv4ToNumber('127.0.68.300')).toBe(-1);
    expect(ipv4ToNumber('localhost')).toBe(-1);
    taken.send(Buffer.from('x'), 0, 1, ipv4ToNumber('localhost'), 9);
    expect(taken.counters).toMatchObject({ sent: 0, unaddressable: 1 });
    expect(numberToIpv4(ipv4ToNumber('127.0.68.3'))).toBe('127.0.68.3');
  });

  it('adopts a socket Node has and gives it back: same port, Node reads again after close', async () => {
    const node = await dgramSocket(A);
    const peer = await dgramSocket(B);
    const handle = handleOf(node);
    handle.recvStop();
    const adopted = UdpBatchSocket.adopt(handle.fd);
    expect(adopted.port).toBe(node.address().port);
    const viaBatch: string[] = [];
    const viaNode: string[] = [];
    adopted.onMessage((buf, ip, port) => {
      viaBatch.push(buf.toString());
      adopted.send(buf, 0, buf.length, ip, port);
    });
    node.on('message', (m) => viaNode.push(m.toString()));
    const back: string[] = [];
    peer.on('message', (m, r) => {
      expect(r.port).toBe(node.address().port); // the adopted descriptor sends from the same socket
      back.push(m.toString());
    });
    peer.send('one', node.address().port, A);
    await until(() => back.length === 1);
    adopted.close();
    handle.recvStart();
    peer.send('two', node.address().port, A);
    await until(() => viaNode.length === 1);
    expect({ viaBatch, viaNode, back }).toEqual({ viaBatch: ['one'], viaNode: ['two'], back: ['one'] });
    node.send('still open', peer.address().port, B); // closing the duplicate left Node's descriptor open
    await until(() => back.length === 2);
  });

  it('closes what a worker thread left open when the worker ends', async () => {
    const addon = fileURLToPath(new URL('../native/build/fastpath.node', import.meta.url));
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       const n = require(${JSON.stringify(addon)});
       n.init(new ArrayBuffer(64 * 4096), new ArrayBuffer(64 * 16), new ArrayBuffer(8 * 4096), new ArrayBuffer(8 * 16), 4096, () => {});
       const h = n.open(-1, '${A}', 0, 0);
       n.receive(h, true);
       parentPort.postMessage(n.port(h));`,
      { eval: true },
    );
    const port = await new Promise<number>((resolve) => worker.once('message', resolve));
    expect(port).toBeGreaterThan(0);
    expect(await worker.terminate()).toBe(1);
    // the port is free again: the worker's socket was closed at its end
    const again = UdpBatchSocket.open(A, port);
    again.close();
  });
});

describe('RtpPort with batchedIo', () => {
  it('forwards RTP in place and counts it like a dgram port', async () => {
    const input = await RtpPort.open(A, { batchedIo: true });
    const output = await RtpPort.open(B, { batchedIo: true });
    cleanup.push(() => input.close(), () => output.close());
    expect(input.batchedIo && output.batchedIo).toBe(true);
    expect(input.port % 2).toBe(0);
    const sink = await dgramSocket(C);
    const got: number[] = [];
    sink.on('message', (m) => got.push(m.readUInt16BE(2)));
    const sources: string[] = [];
    input.onRaw((packet, from) => {
      sources.push(`${from.address}:${from.port}`);
      packet.writeUInt32BE(0xabcdef01, 8);
      output.sendRaw({ address: C, port: sink.address().port }, packet);
    });
    const sender = await dgramSocket(B);
    const packet = Buffer.alloc(172);
    for (let i = 0; i < 40; i++) {
      writeRtpHeaderFields(packet, 0, i, i * 160, 1, false);
      sender.send(Buffer.from(packet), input.port, A);
    }
    sender.send(Buffer.from([0x80, 200, 0, 1, 0, 0, 0, 1]), input.port, A); // an RTCP SR header: counted apart
    await until(() => got.length === 40 && input.stats.rtcpPacketsIn === 1);
    expect(got).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(new Set(sources)).toEqual(new Set([`${B}:${sender.address().port}`]));
    expect(input.stats).toMatchObject({ packetsIn: 40, bytesIn: 40 * 172, lastSource: { address: B, port: sender.address().port } });
    expect(output.stats).toMatchObject({ packetsOut: 40, bytesOut: 40 * 172 });
  });

  it('falls back to node:dgram where the addon is not built (GWSIM_NO_FASTPATH=1)', () => {
    const script = `
      import { RtpPort, UdpBatchSocket, SrtpContext } from './packages/media/src/index.ts';
      const port = await RtpPort.open('${A}', { batchedIo: true });
      const srtp = new SrtpContext('AEAD_AES_128_GCM', { cipherKey: Buffer.alloc(16, 1), cipherSalt: Buffer.alloc(12, 2) });
      console.log(JSON.stringify({ available: UdpBatchSocket.available, reason: UdpBatchSocket.unavailableReason, batched: port.batchedIo, native: srtp.nativeCipher }));
      await port.close();`;
    const root = fileURLToPath(new URL('../../..', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, env: { ...process.env, GWSIM_NO_FASTPATH: '1' }, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ available: false, reason: 'GWSIM_NO_FASTPATH=1', batched: false, native: false });
  });
});

describe('AES-128-GCM on the addon', () => {
  const addon = fastpath.addon!;

  it('seals exactly as node:crypto does, and opens its own output in place', () => {
    for (const size of [0, 1, 160, 1200]) {
      const key = randomBytes(16);
      const iv = randomBytes(12);
      const header = randomBytes(12);
      const payload = randomBytes(size);
      const packet = Buffer.concat([header, payload, Buffer.alloc(16)]);
      const handle = addon.gcmKey(key);
      addon.gcmSeal(handle, packet, 12, 12 + size, iv);
      const cipher = createCipheriv('aes-128-gcm', key, iv, { authTagLength: 16 });
      cipher.setAAD(header);
      const expected = Buffer.concat([header, cipher.update(payload), cipher.final(), cipher.getAuthTag()]);
      expect(packet.equals(expected)).toBe(true);
      expect(addon.gcmOpen(handle, packet, 12, 12 + size, iv)).toBe(true);
      expect(packet.subarray(12, 12 + size).equals(payload)).toBe(true);
    }
  });

  it('refuses a forged packet and leaves it as it was', () => {
    const handle = addon.gcmKey(Buffer.alloc(16, 7));
    const iv = Buffer.alloc(12, 3);
    const packet = Buffer.concat([Buffer.alloc(12, 1), Buffer.from('payload bytes'), Buffer.alloc(16)]);
    addon.gcmSeal(handle, packet, 12, 25, iv);
    packet[30] = packet[30]! ^ 1; // the tag
    const sealed = Buffer.from(packet);
    expect(addon.gcmOpen(handle, packet, 12, 25, iv)).toBe(false);
    expect(packet.equals(sealed)).toBe(true);
  });

  it('checks its arguments', () => {
    const handle = addon.gcmKey(Buffer.alloc(16));
    expect(() => addon.gcmKey(Buffer.alloc(15))).toThrow(/16-byte/);
    expect(() => addon.gcmSeal(handle, Buffer.alloc(20), 12, 12, Buffer.alloc(12))).toThrow(/too short for length \+ tag/);
    expect(() => addon.gcmSeal(handle, Buffer.alloc(40), 13, 12, Buffer.alloc(12))).toThrow(/bad argument/);
    expect(() => addon.gcmOpen(handle, Buffer.alloc(40), 12, 20, Buffer.alloc(11))).toThrow(/bad argument/);
  });
});
