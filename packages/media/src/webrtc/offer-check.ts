/**
 * Is an SDP offer something a loopback WebRTC answerer can take? JSEP (RFC 8829 §5.2) offers: at least one
 * audio or video section with UDP/TLS/RTP/SAVPF, ICE credentials and a DTLS fingerprint (session or media
 * level), and — non-trickle, loopback only — at least one ICE candidate on a loopback address. Pure: it
 * says what is wrong, the caller decides how to answer.
 */
import { findAttribute, findAttributes } from '../sdp-attributes.ts';
import type { SessionDescription } from '../sdp-types.ts';
import { parseSdp, SdpParseError } from '../sdp.ts';
import { isLoopbackAddress } from './loopback.ts';

export const WEBRTC_PROFILE = 'UDP/TLS/RTP/SAVPF';

export type OfferCheck = { readonly ok: true; readonly sdp: SessionDescription } | { readonly ok: false; readonly problem: string };

/** `a=candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> …` (RFC 8839 §5.1). */
function candidateAddress(value: string): string | undefined {
  return value.trim().split(/\s+/)[4];
}

export function checkWebRtcOffer(text: string): OfferCheck {
  let sdp: SessionDescription;
  try {
    sdp = parseSdp(text);
  } catch (err) {
    if (err instanceof SdpParseError) return { ok: false, problem: `is not valid SDP (${err.message})` };
    throw err;
  }
  const media = sdp.media.filter((m) => (m.type === 'audio' || m.type === 'video') && m.port !== 0);
  if (media.length === 0) return { ok: false, problem: 'offers no audio or video section' };
  const session = sdp.attributes;
  for (const m of media) {
    const at = `its ${m.type} section`;
    if (m.protocol !== WEBRTC_PROFILE) return { ok: false, problem: `${at} uses ${m.protocol}; a WebRTC offer uses ${WEBRTC_PROFILE}` };
    for (const name of ['ice-ufrag', 'ice-pwd', 'fingerprint']) {
      if (!findAttribute(m.attributes, name) && !findAttribute(session, name)) return { ok: false, problem: `${at} has no a=${name}` };
    }
  }
  const candidates = media.flatMap((m) => findAttributes(m.attributes, 'candidate'));
  const loopback = candidates.some((c) => {
    const address = c.value === null ? undefined : candidateAddress(c.value);
    return address !== undefined && isLoopbackAddress(address);
  });
  if (!loopback) return { ok: false, problem: 'has no ICE candidate on a loopback address (gwsim media never leaves loopback; trickle ICE is not supported)' };
  return { ok: true, sdp };
}
