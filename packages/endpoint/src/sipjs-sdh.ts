import { GwsimError } from '@gwsim/common';
import { parseSdp } from '@gwsim/media';
import type { BodyAndContentType, SessionDescriptionHandler } from 'sip.js';
import type { EndpointMedia } from './endpoint-media.ts';

const SDP = 'application/sdp';

/**
 * sip.js's media hook, without WebRTC: a plain RTP/AVP offer/answer (RFC 3264) over the call's real RTP
 * ports (`EndpointMedia`), so a node's media reaches the sip.js persona the way it reaches a room system.
 * It offers on the first `getDescription`, takes the answer in `setDescription`, and answers an offer the
 * peer sends (re-INVITE).
 * The call owns the ports; `close()` leaves them alone.
 */
export class RtpSessionDescriptionHandler implements SessionDescriptionHandler {
  readonly media: EndpointMedia;
  readonly #username: string;
  #offerPending = false;
  #remoteOffer: string | null = null;

  constructor(media: EndpointMedia, username: string) {
    this.media = media;
    this.#username = username;
  }

  getDescription(): Promise<BodyAndContentType> {
    if (this.media.ended) return Promise.reject(new GwsimError('GWSIM_ERR_CLOSED', 'the call media is closed'));
    const offer = this.#remoteOffer;
    if (offer !== null) {
      this.#remoteOffer = null;
      return Promise.resolve({ body: this.media.answer(offer, this.#username), contentType: SDP });
    }
    this.#offerPending = true;
    return Promise.resolve({ body: this.media.offer(this.#username), contentType: SDP });
  }

  hasDescription(contentType: string): boolean {
    return contentType.split(';')[0]!.trim().toLowerCase() === SDP;
  }

  setDescription(sdp: string): Promise<void> {
    try {
      parseSdp(sdp);
    } catch (err) {
      return Promise.reject(new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', `unusable SDP: ${(err as Error).message}`, { cause: err }));
    }
    if (!this.#offerPending) this.#remoteOffer = sdp;
    this.#offerPending = false;
    this.media.setRemote(sdp);
    return Promise.resolve();
  }

  /** DTMF goes through the call (`sendDtmf`), which picks RFC 4733 or INFO. */
  sendDtmf(): boolean {
    return false;
  }

  close(): void {}
}
