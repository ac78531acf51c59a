/**
 * The media fast path's native addon (native/fastpath.c, built by scripts/build-native.mjs at install): batched
 * UDP I/O (udp-batch.ts) and AES-128-GCM with a reusable OpenSSL context (webrtc/srtp-context.ts). Optional:
 * `fastpath.addon` is null where it is not built (no Linux, no C compiler, no Node headers), `fastpath.reason`
 * says why, and callers keep their node:dgram / node:crypto path.
 */
import { createRequire } from 'node:module';

export interface FastpathAddon {
  init(rx: ArrayBuffer, rxMeta: ArrayBuffer, tx: ArrayBuffer, txMeta: ArrayBuffer, slotSize: number, dispatch: (count: number) => void): number;
  open(fd: number, address: string, port: number, id: number): object;
  port(handle: object): number;
  fd(handle: object): number;
  receive(handle: object, on: boolean): void;
  close(handle: object): void;
  /** Datagrams in the thread's receive area not yet handed to JavaScript. */
  pending(): number;
  flush(count: number): number;
  gcmKey(key: Uint8Array): object;
  /** AAD: packet[0, headerLength) then `aad2` (SRTCP's E‖index); encrypts [headerLength, length) in place, tag at length. */
  gcmSeal(key: object, packet: Uint8Array, headerLength: number, length: number, iv: Uint8Array, aad2?: Uint8Array): void;
  gcmOpen(key: object, packet: Uint8Array, headerLength: number, length: number, iv: Uint8Array, aad2?: Uint8Array): boolean;
}

function load(): { addon: FastpathAddon | null; reason: string } {
  if (process.platform !== 'linux') return { addon: null, reason: `the addon needs Linux (recvmmsg/sendmmsg), this is ${process.platform}` };
  if (process.env.GWSIM_NO_FASTPATH === '1') return { addon: null, reason: 'GWSIM_NO_FASTPATH=1' };
  try {
    return { addon: createRequire(import.meta.url)('../native/build/fastpath.node') as FastpathAddon, reason: '' };
  } catch (error) {
    return { addon: null, reason: `addon not built (node packages/media/scripts/build-native.mjs): ${(error as Error).message.split('\n')[0]}` };
  }
}

export const fastpath = load();
