import { setMaxListeners } from 'node:events';
import { TcpTransport, UdpTransport, UserAgent } from '@gwsim/sip';
import type { CallDriver, MixEntry, SipUacDriverOptions } from './load-types.ts';
import { createSipUacDriver } from './sip-uac-engines.ts';

const ENTRY: MixEntry = { name: 'warm-up', weight: 1, dial: 'warm-up', expect: 'CONNECTED' };
const LANES = 20;
export const DEFAULT_WARM_UP_CALLS = 2000;

/**
 * Get the JIT warm before a run: place `calls` calls (INVITE → 180 → 200 → ACK → BYE) from a driver built
 * like the run's (same engine) to a UserAgent UAS in this thread, both on the driver's local address (free ports).
 * The target is never contacted. Without it a fresh thread (every load worker) starts at full rate with
 * cold code and its first second is several times slower: enough, at high rates, for answers to come
 * later than T1 and for retransmissions to pile up.
 */
export async function warmUp(options: SipUacDriverOptions, calls: number): Promise<void> {
  if (calls <= 0) return;
  const address = options.local.address;
  const protocol = options.target.transport;
  const transport = protocol === 'tcp' ? await TcpTransport.create({ address, port: 0 }) : await UdpTransport.create({ address, port: 0 });
  const uas = new UserAgent({
    transport,
    onInvite: (inv) => {
      inv.progress(180);
      inv.accept({ body: 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n' }).catch(() => {});
    },
  });
  let driver: CallDriver | null = null;
  try {
    driver = await createSipUacDriver({ ...options, target: { address, port: transport.local.port, transport: protocol }, local: { address, port: 0 } });
    const d = driver;
    const signal = new AbortController().signal;
    setMaxListeners(0, signal); // one listener per lane
    let placed = 0;
    const lane = async () => {
      while (placed++ < calls) await d.place(ENTRY, 0, signal);
    };
    await Promise.all(Array.from({ length: Math.min(LANES, calls) }, lane));
  } finally {
    await driver?.close();
    await uas.close();
  }
}
