import { sipTraceChannel, UserAgent, type Dialog, type SipTraceRecord, type Transport, type TransportAddress } from '../../src/index.ts';

export const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.21.1\r\ns=-\r\nc=IN IP4 127.0.21.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n';

/** A UAS that accepts every INVITE with `SDP` and records how each dialog ended. */
export function acceptingUas(transport: Transport): { ua: UserAgent; ended: string[]; confirmed: Dialog[] } {
  const ended: string[] = [];
  const confirmed: Dialog[] = [];
  const ua = new UserAgent({
    transport,
    onInvite: (inv) => {
      const accepted = inv.accept({ body: SDP });
      // Listen now: an ACK and a BYE arriving in one TCP segment end the dialog before `accepted` settles.
      inv.dialog?.on('terminated', (r) => ended.push(`${r.by}:${r.cause}`));
      accepted.then((d) => void confirmed.push(d)).catch(() => {});
    },
  });
  return { ua, ended, confirmed };
}

export interface CallOutcome {
  invite: number;
  bye: number;
}

/** INVITE → 200 → ACK → BYE → 200 from `uac` to `destination`; waits until the UAS saw the ACK. */
export async function call(uac: UserAgent, destination: TransportAddress, uas: { confirmed: Dialog[] }, body: string = SDP): Promise<CallOutcome> {
  const before = uas.confirmed.length;
  const result = await uac.invite({ destination, uri: `sip:1234567890123@${destination.address}`, from: 'sip:room@example.com', body }).result;
  if (result.status !== 200 || !result.dialog) return { invite: result.status, bye: 0 };
  await until(() => uas.confirmed.length > before);
  const bye = await result.dialog.bye();
  return { invite: result.status, bye: bye.status };
}

export async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Record every message on the trace channel until `stop()`. */
export function captureTrace(): { records: SipTraceRecord[]; stop: () => void; summary: () => string[] } {
  const records: SipTraceRecord[] = [];
  const onMessage = (m: unknown) => records.push(m as SipTraceRecord);
  sipTraceChannel.subscribe(onMessage);
  return {
    records,
    stop: () => sipTraceChannel.unsubscribe(onMessage),
    /** `out tcp 127.0.21.1:port->127.0.21.2:port INVITE` lines, for assertions on which connection carried what. */
    summary: () =>
      records.map((r) => {
        const first = r.raw.toString('latin1', 0, 64).split('\r\n')[0]!;
        const what = first.startsWith('SIP/') ? first.split(' ')[1]! : first.split(' ')[0]!;
        return `${r.direction} ${r.transport} ${r.local.address}:${r.local.port}-${r.remote.address}:${r.remote.port} ${what}`;
      }),
  };
}
