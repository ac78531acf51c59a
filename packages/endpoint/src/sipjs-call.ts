import { GwsimError } from '@gwsim/common';
import { dtmfRelayBody } from '@gwsim/media';
import { SessionState, type Inviter } from 'sip.js';
import { sendDtmfKeys, type EndpointMedia } from './endpoint-media.ts';
import { MediaCall } from './media-call.ts';
import type { CallEnd, DtmfMethod, PersonaCall } from './persona-types.ts';

/**
 * Follow a sip.js session to its end: accept a remote BYE and keep its Reason header (RFC 3326), and close the
 * media when the session terminates. Call before `invite()`, so that no BYE can slip past.
 */
export function watchSessionEnd(session: Inviter, media: EndpointMedia): Promise<CallEnd> {
  let remote: CallEnd | null = null;
  session.delegate = {
    ...session.delegate,
    onBye: (bye) => {
      remote = { by: 'remote', reason: bye.request.getHeader('Reason') ?? null };
      void bye.accept().catch(() => {});
    },
  };
  return new Promise((resolve) => {
    const done = () => {
      void media.end();
      resolve(remote ?? { by: 'local', reason: null });
    };
    if (session.state === SessionState.Terminated) return done();
    session.stateChange.addListener((s) => s === SessionState.Terminated && done());
  });
}

/** An answered call of a `SipJsPersona`: a sip.js session plus the RTP leg our description handler opened. */
export class SipJsCall extends MediaCall implements PersonaCall {
  readonly session: Inviter;
  readonly ended: Promise<CallEnd>;

  constructor(session: Inviter, media: EndpointMedia, answer: string, ended: Promise<CallEnd>) {
    super(media, answer);
    this.session = session;
    this.ended = ended;
  }

  get callId(): string {
    return this.session.request.callId;
  }

  /** Key DTMF digits as RFC 4733 telephone-events, or as SIP INFO (application/dtmf-relay) sent by sip.js. */
  sendDtmf(keys: string, method: DtmfMethod = 'rfc4733', gapMs = 60): Promise<void> {
    return sendDtmfKeys(keys, gapMs, (key) => (method === 'rfc4733' ? this.media.sendTelephoneEvent(key) : this.#info(key)));
  }

  #info(key: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const fail = (status: number, reason: string) => reject(new GwsimError('GWSIM_ERR_ILLEGAL_STATE', `INFO for DTMF "${key}" answered ${status} ${reason}`));
      this.session
        .info({
          requestOptions: { body: { contentDisposition: 'render', contentType: 'application/dtmf-relay', content: dtmfRelayBody(key) } },
          requestDelegate: { onAccept: () => resolve(), onReject: (r) => fail(r.message.statusCode ?? 0, r.message.reasonPhrase ?? '') },
        })
        .catch((err: unknown) => reject(new GwsimError('GWSIM_ERR_ILLEGAL_STATE', `cannot send INFO for DTMF "${key}": ${(err as Error).message}`, { cause: err })));
    });
  }

  /** BYE when established (resolves with its answer), CANCEL while still setting up (null), else null. */
  async hangup(): Promise<{ status: number; reason: string } | null> {
    const s = this.session;
    if (s.state === SessionState.Established) {
      const res = await new Promise<{ status: number; reason: string }>((resolve) => {
        const answer = (r: { message: { statusCode?: number; reasonPhrase?: string } }) => resolve({ status: r.message.statusCode ?? 0, reason: r.message.reasonPhrase ?? '' });
        s.bye({ requestDelegate: { onAccept: answer, onReject: answer } }).catch((err: unknown) => resolve({ status: 503, reason: `BYE not sent: ${(err as Error).message}` }));
      });
      await this.media.end();
      return res;
    }
    if (s.state === SessionState.Establishing || s.state === SessionState.Initial) await s.cancel().catch(() => {});
    await this.media.end();
    return null;
  }
}
