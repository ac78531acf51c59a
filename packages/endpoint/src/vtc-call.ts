import { GwsimError } from '@gwsim/common';
import { dtmfRelayBody, type RtpPort } from '@gwsim/media';
import type { Dialog, SipResponse } from '@gwsim/sip';
import { sendDtmfKeys, type EndpointMedia } from './endpoint-media.ts';
import { MediaCall } from './media-call.ts';
import type { CallEnd, DtmfMethod, PersonaCall } from './persona-types.ts';

/** An answered call of a `Vtc`: a dialog of our SIP core plus the RTP leg the answer pointed at. */
export class VtcCall extends MediaCall implements PersonaCall {
  readonly dialog: Dialog;
  readonly ended: Promise<CallEnd>;

  constructor(dialog: Dialog, media: EndpointMedia, answer: string) {
    super(media, answer);
    this.dialog = dialog;
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
