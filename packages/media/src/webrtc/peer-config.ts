/**
 * The werift RTCPeerConnection configuration for a loopback-only WebRTC leg (ARCHITECTURE.md, werift notes):
 *
 * - `iceServers`: one IP-literal STUN URL on loopback (the responder in stun-responder.ts). An empty list
 *   would make werift fall back to stun.l.google.com, a DNS lookup and a packet off the machine.
 * - `iceUseIpv4`/`iceUseIpv6` off: werift then enumerates no interface addresses at all (it would pick up
 *   eth0 and friends); `iceAdditionalHostAddresses` adds back exactly the host's loopback address, and
 *   `iceInterfaceAddresses` binds the ICE socket to it (not to 0.0.0.0).
 * - `iceFilterCandidatePair`: pairs only with remote candidates on loopback, so no connectivity check is
 *   ever sent elsewhere, whatever the remote SDP lists.
 * - Audio Opus, video VP8 then H.264 (constrained baseline, packetization-mode 1); one BUNDLE transport.
 *
 * werift 0.24.4 has no STUN gather-timeout option (its STUN wait is a hard-coded 5 s), hence the responder.
 */
import { isIPv6 } from 'node:net';
import { useH264, useOPUS, useVP8, type CandidatePair, type RTCPeerConnectionConfig, type RTCRtpCodecParameters } from 'werift';
import { isLoopbackAddress, requireLoopbackAddress } from './loopback.ts';

export type VideoCodecName = 'VP8' | 'H264';

export const DEFAULT_VIDEO_CODEC_NAMES: readonly VideoCodecName[] = Object.freeze(['VP8', 'H264']);

export interface LoopbackPeerConfigOptions {
  /** The simulated host's loopback address (127.x.y.z or ::1). */
  readonly address: string;
  /** `stun:<loopback ip>:<port>` (see leaseLoopbackStun). */
  readonly stunUrl: string;
  /** Video codecs in preference order (default VP8, H264). */
  readonly videoCodecs?: readonly VideoCodecName[];
}

/** werift's H.264 default is constrained baseline 3.1, packetization-mode 1, level-asymmetry-allowed. */
function videoCodec(name: VideoCodecName): RTCRtpCodecParameters {
  return name === 'VP8' ? useVP8() : useH264();
}

/** Only pairs whose remote candidate is on loopback. */
export function loopbackPairsOnly(pair: CandidatePair): boolean {
  return isLoopbackAddress(pair.remoteCandidate.host);
}

/** The STUN URL must name an IP literal on loopback: a hostname would mean a DNS lookup. */
function requireLoopbackStunUrl(url: string): void {
  const match = /^stun:(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(url);
  const host = match?.[1] ?? match?.[2];
  if (!host || !isLoopbackAddress(host)) requireLoopbackAddress(String(host ?? url), 'stunUrl');
}

export function loopbackPeerConfig(options: LoopbackPeerConfigOptions): RTCPeerConnectionConfig {
  const address = requireLoopbackAddress(options.address);
  requireLoopbackStunUrl(options.stunUrl);
  return {
    iceServers: [{ urls: options.stunUrl }],
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceUseTcp: false,
    iceAdditionalHostAddresses: [address],
    iceInterfaceAddresses: isIPv6(address) ? { udp6: address } : { udp4: address },
    iceFilterCandidatePair: loopbackPairsOnly,
    bundlePolicy: 'max-bundle',
    codecs: {
      audio: [useOPUS()],
      video: (options.videoCodecs ?? DEFAULT_VIDEO_CODEC_NAMES).map(videoCodec),
    },
  };
}
