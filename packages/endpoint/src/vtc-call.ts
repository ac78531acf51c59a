import { GwsimError } from '@gwsim/common';
import { dtmfRelayBody, type MarkedState, type RtpPort } from '@gwsim/media';
import type { Dialog, SipResponse } from '@gwsim/sip';
import { sendDtmfKeys, type EndpointMedia } from './endpoint-media.ts';
import type { CallEnd, DtmfMethod, PersonaCall } from './persona-types.ts';

/** An answered call of a `Vtc`: a dialog of our SIP core plus the RTP leg the answer pointed at. */
export class VtcCall implements PersonaCall {
  readonly dialog: Dialog;
  readonly media: EndpointMedia;
  /** The SDP answer from the 200 OK. */
  readonly answer: string;
  readonly ended: Promise<CallEnd>;

  constructor(dialog: Dialog, media: EndpointMedia, answer: string) {
    this.dialog = dialog;
    this.media = media;
    this.answer = answer;
    media.setRemote(answer);
    this.ended = new Promise((resolve) => {
      dialog.on('terminated', (r) => {
        void media.end();
        resolve({ by: r.by, reason: r.request?.headers.get('Reason') ?? null });
      });
    });
  }

  get callId(): string {
    return this.dialog.callId;
  }

  get rtp(): RtpPort {
    return this.media.rtp;
  }

  get remoteMedia(): { address: string; port: number } | null {
    return this.media.remote;
  }

  get mediaStates(): ReadonlyArray<{ state: MarkedState; at: number }> {
    return this.media.mediaStates;
  }

  get mediaState(): MarkedState | null {
    return this.media.mediaState;
  }

  waitForMedia(state: MarkedState, timeoutMs: number): Promise<boolean> {
    return this.media.waitForMedia(state, timeoutMs);
  }

  startMedia(): void {
    this.media.startMedia();
  }

  /**
   * Key DTMF digits: as RFC 4733 telephone-events in the RTP stream, or as SIP INFO with
   * application/dtmf-relay (rejects when the INFO is not answered 200).
   */
  sendDtmf(keys: string, method: DtmfMethod = 'rfc4733', gapMs = 60): Promise<void> {
    return sendDtmfKeys(keys, gapMs, async (key) => {
      if (method === 'rfc4733') return this.media.sendTelephoneEvent(key);
      const res = await this.dialog.request('INFO', { body: dtmfRelayBody(key), contentType: 'application/dtmf-relay' });
      if (res.status !== 200) throw new GwsimError('GWSIM_ERR_ILLEGAL_STATE', `INFO for DTMF "${key}" answered ${res.status} ${res.reason}`);
    });
  }

  async hangup(): Promise<SipResponse | null> {
    await this.media.end();
    if (this.dialog.state === 'terminated') return null;
    return this.dialog.bye();
  }
}
