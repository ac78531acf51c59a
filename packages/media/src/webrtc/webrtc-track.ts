/**
 * One negotiated m= section of a WebRtcPeer (an RTCRtpTransceiver): what arrives on it and a way to send
 * on it. Sending goes through werift's RTCRtpSender, which writes this side's SSRC and negotiated payload
 * type and protects the packet with SRTP.
 */
import { randomInt } from 'node:crypto';
import { RtpHeader, RtpPacket, type RTCRtpTransceiver } from 'werift';
import type { MediaKind, TrackStats, WebRtcTrackDump } from './webrtc-peer-types.ts';

export type RtpListener = (packet: RtpPacket, track: WebRtcTrack) => void;

export interface SendOptions {
  /** Added to the RTP timestamp after this packet (960 for 20 ms of Opus at 48 kHz, 1800 for 20 ms of video). */
  readonly timestampStep: number;
  readonly marker?: boolean;
}

export class WebRtcTrack {
  readonly kind: MediaKind;
  readonly stats: TrackStats = { packetsIn: 0, bytesIn: 0, packetsOut: 0, bytesOut: 0 };
  readonly #transceiver: RTCRtpTransceiver;
  readonly #connected: () => boolean;
  #listener: RtpListener | null = null;
  #seq = randomInt(0, 0x10000);
  #timestamp = randomInt(0, 0xffffffff);

  /** @internal Created by WebRtcPeer for each transceiver. */
  constructor(transceiver: RTCRtpTransceiver, connected: () => boolean) {
    this.#transceiver = transceiver;
    this.#connected = connected;
    this.kind = transceiver.kind === 'video' ? 'video' : 'audio';
  }

  /** The media ID (`a=mid`) once descriptions are applied. */
  get mid(): string {
    return this.#transceiver.mid ?? '';
  }

  /** The codec this side sends with (`audio/opus`, `video/VP8`), once negotiated. */
  get codec(): string | undefined {
    return this.#transceiver.sender.codec?.mimeType;
  }

  /** One listener for received RTP (null removes it). Called once per packet, after SRTP. */
  onRtp(listener: RtpListener | null): void {
    this.#listener = listener;
  }

  /** @internal */
  receive(packet: RtpPacket): void {
    this.stats.packetsIn++;
    this.stats.bytesIn += packet.payload.length;
    this.#listener?.(packet, this);
  }

  /** Send one packet with this track's own sequence number and timestamp. False until connected. */
  send(payload: Buffer, options: SendOptions): boolean {
    const header = new RtpHeader({ sequenceNumber: this.#seq, timestamp: this.#timestamp, marker: options.marker ?? false });
    this.#seq = (this.#seq + 1) & 0xffff;
    this.#timestamp = (this.#timestamp + options.timestampStep) >>> 0;
    return this.#write(new RtpPacket(header, payload));
  }

  /**
   * Send a received packet back out: same payload, sequence number, timestamp and marker; this side's SSRC
   * and payload type. The received packet is left untouched (werift's sender rewrites the header it gets).
   */
  forward(packet: RtpPacket): boolean {
    const { sequenceNumber, timestamp, marker } = packet.header;
    return this.#write(new RtpPacket(new RtpHeader({ sequenceNumber, timestamp, marker }), packet.payload));
  }

  dump(): WebRtcTrackDump {
    return { mid: this.mid, kind: this.kind, codec: this.codec, ...this.stats };
  }

  #write(packet: RtpPacket): boolean {
    if (!this.#connected() || !this.#transceiver.sender.codec) return false;
    this.stats.packetsOut++;
    this.stats.bytesOut += packet.payload.length;
    this.#transceiver.sender.sendRtp(packet).catch(() => {});
    return true;
  }
}
