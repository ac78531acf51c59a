/**
 * DTMF as RFC 4733 telephone-events (RTP payload) and as SIP INFO bodies (application/dtmf-relay,
 * application/dtmf). Encoders for endpoints, decoders for the node.
 */
const KEYS = '0123456789*#ABCD';

/** RFC 4733 §3.2 event code of a DTMF key, or -1. */
export function dtmfEvent(key: string): number {
  return key.length === 1 ? KEYS.indexOf(key.toUpperCase()) : -1;
}

export function dtmfKey(event: number): string | null {
  return event >= 0 && event < KEYS.length ? KEYS[event]! : null;
}

export interface TelephoneEvent {
  event: number;
  end: boolean;
  volume: number;
  duration: number;
}

/** Encode the 4-byte RFC 4733 payload. */
export function encodeTelephoneEvent(e: TelephoneEvent): Buffer {
  const b = Buffer.alloc(4);
  b[0] = e.event & 0xff;
  b[1] = (e.end ? 0x80 : 0) | (e.volume & 0x3f);
  b.writeUInt16BE(e.duration & 0xffff, 2);
  return b;
}

export function decodeTelephoneEvent(payload: Buffer): TelephoneEvent | null {
  if (payload.length < 4) return null;
  return { event: payload[0]!, end: (payload[1]! & 0x80) !== 0, volume: payload[1]! & 0x3f, duration: payload.readUInt16BE(2) };
}

/**
 * Turns a stream of telephone-event packets into keys: one key per event (identified by its RTP timestamp,
 * §2.5.1.2), reported on the first end packet, so the three redundant end packets count once.
 */
export class TelephoneEventReceiver {
  #lastTimestamp: number | null = null;

  /** Feed one packet; returns the completed key, or null. */
  receive(timestamp: number, payload: Buffer): string | null {
    const e = decodeTelephoneEvent(payload);
    if (!e || !e.end || timestamp === this.#lastTimestamp) return null;
    this.#lastTimestamp = timestamp;
    return dtmfKey(e.event);
  }
}

/** Key from a SIP INFO body: `Signal=5` (application/dtmf-relay) or a bare key (application/dtmf). */
export function parseDtmfInfo(contentType: string | undefined, body: string): string | null {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  if (type === 'application/dtmf-relay') {
    const m = /^\s*Signal\s*=\s*(\S)/im.exec(body);
    return m && dtmfEvent(m[1]!) >= 0 ? m[1]!.toUpperCase() : null;
  }
  if (type === 'application/dtmf') {
    const k = body.trim();
    return dtmfEvent(k) >= 0 ? k.toUpperCase() : null;
  }
  return null;
}

/** The INFO body for one key (application/dtmf-relay). */
export function dtmfRelayBody(key: string, durationMs = 160): string {
  return `Signal=${key}\r\nDuration=${durationMs}\r\n`;
}
