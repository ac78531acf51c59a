/**
 * The lean UAC engine's SIP messages (lean-uac.ts): every request it sends is a string assembled from pieces
 * computed once per driver (From, Via, Contact/Max-Forwards/User-Agent, the INVITE's body) and once per dial
 * string (Request-URI, To), plus the few per-call values; responses to the peer's requests copy the request's
 * Vias, From, To, Call-ID and CSeq (§8.2.6.2).
 */
import { splitList, type SipRequest } from '@gwsim/sip';
import type { SipUacDriverOptions } from './load-types.ts';

/** Per dial string: the pieces of the INVITE that depend on it. */
export interface DialPieces {
  uri: string;
  /** `INVITE <uri> SIP/2.0\r\nVia: …;branch=z9hG4bK` */
  inviteHead: string;
  /** `To: <uri>` */
  to: string;
}

/** What a call contributes to its requests. Branches: `<key>i` INVITE/CANCEL/non-2xx ACK, `<key>a` 2xx ACK, `<key>b` BYE. */
export interface CallPieces {
  readonly key: string;
  readonly callId: string;
  readonly tag: string;
  readonly dial: DialPieces;
  /** Request-URI of in-dialog requests (the 2xx's Contact). */
  readonly target: string;
  /** `Route: …\r\n` lines of the dialog's route set; '' when none. */
  readonly route: string;
  readonly remoteTag: string;
}

/** The SDP offer, as SipUacDriver's: one audio stream, PCMU/PCMA, on port 9 (discard): no media flows. */
function sdpFor(address: string): string {
  return `v=0\r\no=gwsim-load 1 1 IN IP4 ${address}\r\ns=-\r\nc=IN IP4 ${address}\r\nt=0 0\r\nm=audio 9 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=sendrecv\r\n`;
}

export class LeanMessages {
  readonly #dials = new Map<string, DialPieces>();
  readonly #host: string;
  readonly #fromLine: string;
  /** Max-Forwards, Contact, User-Agent: the same in every request that carries them. */
  readonly #common: string;
  readonly #viaHead: string;
  readonly #inviteTail: string;

  constructor(local: { address: string; port: number }, o: SipUacDriverOptions) {
    this.#host = o.domain ?? `${o.target.address}:${o.target.port}`;
    const user = o.fromUser ?? 'gwsim';
    this.#fromLine = `From: <sip:${user}@${o.domain ?? local.address}>;tag=`;
    this.#viaHead = `Via: SIP/2.0/UDP ${local.address}:${local.port};branch=z9hG4bK`;
    this.#common = `Max-Forwards: 70\r\nContact: <sip:${user}@${local.address}:${local.port}>\r\nUser-Agent: gwsim-load\r\n`;
    const sdp = o.sdp === false ? '' : sdpFor(local.address);
    this.#inviteTail = sdp ? `Content-Type: application/sdp\r\nContent-Length: ${Buffer.byteLength(sdp)}\r\n\r\n${sdp}` : 'Content-Length: 0\r\n\r\n';
  }

  /** `sip:`/`sips:` URIs as given; `user@host` gets `sip:`; a bare user gets the domain (or target) as host (as SipUacDriver). */
  dial(dial: string): DialPieces {
    let d = this.#dials.get(dial);
    if (d === undefined) {
      const uri = /^sips?:/i.test(dial) ? dial : dial.includes('@') ? `sip:${dial}` : `sip:${dial}@${this.#host}`;
      d = { uri, inviteHead: `INVITE ${uri} SIP/2.0\r\n${this.#viaHead}`, to: `To: <${uri}>` };
      this.#dials.set(dial, d);
    }
    return d;
  }

  invite(c: CallPieces): Buffer {
    const d = c.dial;
    return Buffer.from(`${d.inviteHead}${c.key}i\r\n${this.#fromLine}${c.tag}\r\n${d.to}\r\nCall-ID: ${c.callId}\r\nCSeq: 1 INVITE\r\n${this.#common}${this.#inviteTail}`);
  }

  /** §9.1: in the INVITE's transaction (its branch and Request-URI). */
  cancel(c: CallPieces): Buffer {
    const d = c.dial;
    return Buffer.from(`CANCEL ${d.uri} SIP/2.0\r\n${this.#viaHead}${c.key}i\r\nMax-Forwards: 70\r\n${this.#fromLine}${c.tag}\r\n${d.to}\r\nCall-ID: ${c.callId}\r\nCSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n`);
  }

  /** §17.1.1.3: the ACK of a non-2xx final, in the INVITE's transaction, with the response's To as written. */
  ackNon2xx(c: CallPieces, to: string): Buffer {
    return Buffer.from(`ACK ${c.dial.uri} SIP/2.0\r\n${this.#viaHead}${c.key}i\r\nMax-Forwards: 70\r\n${this.#fromLine}${c.tag}\r\nTo: ${to}\r\nCall-ID: ${c.callId}\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n`);
  }

  /** §13.2.2.4: the 2xx's ACK, in the dialog, with a branch of its own. */
  ack2xx(c: CallPieces): Buffer {
    return Buffer.from(`ACK ${c.target} SIP/2.0\r\n${this.#viaHead}${c.key}a\r\n${c.route}Max-Forwards: 70\r\n${this.#fromLine}${c.tag}\r\n${c.dial.to};tag=${c.remoteTag}\r\nCall-ID: ${c.callId}\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n`);
  }

  /** The BYE ending the hold: in the dialog, CSeq 2, a branch of its own. */
  bye(c: CallPieces): Buffer {
    return Buffer.from(`BYE ${c.target} SIP/2.0\r\n${this.#viaHead}${c.key}b\r\n${c.route}${this.#common}${this.#fromLine}${c.tag}\r\n${c.dial.to};tag=${c.remoteTag}\r\nCall-ID: ${c.callId}\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n`);
  }
}

/** Record-Route header values (top first, each maybe a list) → the route set's Route lines, reversed (§12.1.2). */
export function routeLines(recordRoute: readonly string[]): string {
  const routes = recordRoute.flatMap((v) => splitList(v));
  let lines = '';
  for (let i = routes.length - 1; i >= 0; i--) lines += `Route: ${routes[i]}\r\n`;
  return lines;
}

/** A response to `req` (§8.2.6.2): its Vias, From, To (with `toTag` added when it has none), Call-ID, CSeq. */
export function responseTo(req: SipRequest, status: number, reason: string, toTag: string): Buffer {
  let head = `SIP/2.0 ${status} ${reason}\r\n`;
  for (const v of req.headers.getAll('Via')) head += `Via: ${v}\r\n`;
  const to = req.headers.get('To') ?? '';
  head += `From: ${req.headers.get('From') ?? ''}\r\nTo: ${to}${toTag && !req.toTag ? `;tag=${toTag}` : ''}\r\nCall-ID: ${req.callId}\r\nCSeq: ${req.headers.get('CSeq') ?? ''}\r\nContent-Length: 0\r\n\r\n`;
  return Buffer.from(head);
}
