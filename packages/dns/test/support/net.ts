/** Raw socket helpers for server tests: send bytes, collect what (if anything) comes back. */
import dgram from 'node:dgram';
import net from 'node:net';
import { decodeMessage, emptyMessage, encodeMessage, RR_CLASS, type DnsMessage } from '../../src/index.ts';

/** Encode a plain query for (name, type) with the given id. */
export function queryBytes(name: string, type: number, id = 0x1234, extra: Partial<DnsMessage> = {}): Buffer {
  return encodeMessage({ ...emptyMessage(id), rd: true, questions: [{ name, type, class: RR_CLASS.IN }], ...extra });
}

/** Send one datagram from a fresh socket; resolve with the reply, or undefined after `waitMs`. */
export function udpExchange(address: string, port: number, packet: Buffer, waitMs = 300): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    const timer = setTimeout(() => done(undefined), waitMs);
    const done = (reply: Buffer | undefined) => {
      clearTimeout(timer);
      socket.close();
      resolve(reply);
    };
    socket.on('message', (msg) => done(msg));
    socket.on('error', () => done(undefined));
    socket.send(packet, port, address);
  });
}

/** Send one DNS query over UDP and decode the answer (fails the test when none comes). */
export async function udpQuery(address: string, port: number, packet: Buffer): Promise<DnsMessage> {
  const reply = await udpExchange(address, port, packet, 2000);
  if (!reply) throw new Error(`no UDP answer from ${address}:${port}`);
  return decodeMessage(reply);
}

/**
 * Open a TCP connection, write `bytes` (an array is written chunk by chunk, 10 ms apart, so frames can be split
 * across segments), collect length-prefixed replies until `count` arrived or the peer closed.
 */
export function tcpExchange(address: string, port: number, bytes: Buffer | Buffer[], count: number, waitMs = 2000): Promise<{ replies: Buffer[]; closedByPeer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address, port });
    const replies: Buffer[] = [];
    let buffered = Buffer.alloc(0);
    let settled = false;
    const finish = (closedByPeer: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ replies, closedByPeer });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.setNoDelay(true);
    socket.on('connect', async () => {
      for (const chunk of Array.isArray(bytes) ? bytes : [bytes]) {
        if (settled) return;
        socket.write(chunk);
        await new Promise((r) => setTimeout(r, 10));
      }
    });
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const len = buffered.readUInt16BE(0);
        replies.push(buffered.subarray(2, 2 + len));
        buffered = buffered.subarray(2 + len);
      }
      if (replies.length >= count) finish(false);
    });
    socket.on('close', () => finish(true));
    socket.on('error', (err) => (settled ? undefined : reject(err)));
  });
}

/** Prefix a message with its two-byte TCP length (RFC 1035 §4.2.2). */
export function frame(message: Buffer): Buffer {
  const out = Buffer.alloc(2 + message.length);
  out.writeUInt16BE(message.length, 0);
  message.copy(out, 2);
  return out;
}

/** A UDP socket that receives and never answers, standing in for a dead DNS server. */
export async function silentUdpServer(address: string): Promise<{ port: number; received: () => number; close: () => Promise<void> }> {
  const socket = dgram.createSocket('udp4');
  let received = 0;
  socket.on('message', () => received++);
  await new Promise<void>((resolve) => socket.bind(0, address, resolve));
  return {
    port: socket.address().port,
    received: () => received,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
