/**
 * A loopback STUN server (RFC 8489 §6.3, server role) that answers every Binding request with an error.
 *
 * Why: werift 0.24.4 always queries a STUN server while gathering (`iceServers: []` falls back to
 * stun.l.google.com) and waits up to a hard-coded 5 s for the answer; it has no gather-timeout option. An
 * IP-literal STUN URL on loopback that answers at once keeps gathering to a few milliseconds, and answering
 * with an error (rather than a mapped address) means no server-reflexive candidate: host candidates on
 * loopback are all a gwsim leg ever offers. Nothing is sent off loopback.
 *
 * One responder per bind address, shared by every peer on that address and closed with the last one.
 */
import type dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { bindUdp } from '../udp-bind.ts';
import { requireLoopbackAddress } from './loopback.ts';

const HEADER_BYTES = 20;
const MAGIC_COOKIE = 0x2112a442;
const BINDING_REQUEST = 0x0001;
const BINDING_ERROR_RESPONSE = 0x0111;
const ATTR_ERROR_CODE = 0x0009;
/** RFC 8489 §14.8: 403 Forbidden would be TURN's; 400 says "not a request we serve". */
const ERROR_CLASS = 4;
const ERROR_NUMBER = 0;
const REASON = Buffer.from('gwsim: loopback only, no server-reflexive address', 'utf8');

/** The error answer to a Binding request, echoing its transaction ID (RFC 8489 §5, §14.8). */
export function bindingErrorResponse(request: Buffer): Buffer | null {
  if (request.length < HEADER_BYTES || (request[0]! & 0xc0) !== 0) return null;
  if (request.readUInt16BE(0) !== BINDING_REQUEST || request.readUInt32BE(4) !== MAGIC_COOKIE) return null;
  const valueBytes = 4 + REASON.length;
  const padded = (valueBytes + 3) & ~3;
  const out = Buffer.alloc(HEADER_BYTES + 4 + padded);
  out.writeUInt16BE(BINDING_ERROR_RESPONSE, 0);
  out.writeUInt16BE(4 + padded, 2);
  out.writeUInt32BE(MAGIC_COOKIE, 4);
  request.copy(out, 8, 8, HEADER_BYTES);
  out.writeUInt16BE(ATTR_ERROR_CODE, HEADER_BYTES);
  out.writeUInt16BE(valueBytes, HEADER_BYTES + 2);
  out[HEADER_BYTES + 6] = ERROR_CLASS;
  out[HEADER_BYTES + 7] = ERROR_NUMBER;
  REASON.copy(out, HEADER_BYTES + 8);
  return out;
}

interface Responder {
  readonly address: string;
  readonly socket: dgram.Socket;
  readonly url: string;
  refs: number;
  closing: boolean;
}

/** Responders by bind address, while starting or running (a closing one is removed first). */
const responders = new Map<string, Promise<Responder>>();
const running = new Set<Responder>();

async function open(address: string): Promise<Responder> {
  const socket = await bindUdp(address, 'the loopback STUN responder');
  const host = isIPv6(address) ? `[${address}]` : address;
  const responder: Responder = { address, socket, url: `stun:${host}:${socket.address().port}`, refs: 0, closing: false };
  socket.on('message', (msg, rinfo) => {
    const answer = bindingErrorResponse(msg);
    if (answer) socket.send(answer, rinfo.port, rinfo.address);
  });
  socket.on('error', () => {});
  running.add(responder);
  return responder;
}

export interface StunLease {
  /** `stun:<ip>:<port>`, for werift's iceServers. */
  readonly url: string;
  /** Give the lease back; the responder closes with its last lease. Idempotent. */
  release(): Promise<void>;
}

/** Borrow the loopback STUN responder for `address`, starting it when nobody holds it. */
export async function leaseLoopbackStun(address: string): Promise<StunLease> {
  requireLoopbackAddress(address);
  for (;;) {
    let pending = responders.get(address);
    if (!pending) {
      pending = open(address);
      responders.set(address, pending);
      pending.catch(() => responders.delete(address));
    }
    const responder = await pending;
    // Its last lease went back while we waited: start another.
    if (responder.closing) continue;
    responder.refs++;
    return lease(responder);
  }
}

function lease(responder: Responder): StunLease {
  let released = false;
  return {
    url: responder.url,
    release: async () => {
      if (released) return;
      released = true;
      if (--responder.refs > 0) return;
      responder.closing = true;
      responders.delete(responder.address);
      running.delete(responder);
      await new Promise<void>((resolve) => responder.socket.close(() => resolve()));
    },
  };
}

/** Running responders and their lease counts (for dumps and leak checks in tests). */
export function loopbackStunResponders(): { address: string; url: string; leases: number }[] {
  return [...running].map((r) => ({ address: r.address, url: r.url, leases: r.refs }));
}
