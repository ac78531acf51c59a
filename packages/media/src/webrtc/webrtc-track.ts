/**
 * One negotiated m= section of a WebRtcPeer (an RTCRtpTransceiver): what arrives on it and a way to send
 * on it. Packets carry this side's SSRC and negotiated payload type, protected with SRTP: through the peer's
 * RtpDataPlane once connected (rtp-data-plane.ts), through werift's RTCRtpSender before that or when the
 * data plane cannot drive the connection.
 */
import { randomInt } from 'node:crypto';
import { RtpHeader, RtpPacket, type RTCRtpTransceiver } from 'werift';
import { RTP_HEADER_BYTES } from '../rtp.ts';
import type { DataPlaneTrack, RtpDataPlane, WeriftRtcpLoop, WeriftSender } from './rtp-data-plane.ts';
import type { MediaKind, TrackStats, WebRtcTrackDump } from './webrtc-peer-types.ts';

const NO_BYTES = Buffer.alloc(0);

/**
 * A received RTP packet as a track's listener sees it. One view per track, refilled for every packet: read
 * it inside the listener and do not keep it (copy what must outlive the call). The payload is
 * `buffer[payloadOffset, payloadEnd)`: after CSRCs and header extensions, before RTP padding.
 */
export class RtpView {
  buffer: Buffer = NO_BYTES;
  payloadOffset = 0;
  payloadEnd = 0;
  ssrc = 0;
  sequenceNumber = 0;
  timestamp = 0;
  payloadType = 0;
  marker = false;

  /** The payload as a Buffer (a view into `buffer`: allocates a small object, not bytes). */
  get payload(): Buffer {
    return this.buffer.subarray(this.payloadOffset, this.payloadEnd);
  }

  get payloadLength(): number {
    return this.payloadEnd - this.payloadOffset;
  }
}

export type RtpListener = (packet: RtpView, track: WebRtcTrack) => void;

export interface SendOptions {
  /** Added to the RTP timestamp after this packet (960 for 20 ms of Opus at 48 kHz, 1800 for 20 ms of video). */
  readonly timestampStep: number;
  readonly marker?: boolean;
}

export class WebRtcTrack implements DataPlaneTrack {
  readonly kind: MediaKind;
  readonly stats: TrackStats = { packetsIn: 0, bytesIn: 0, packetsOut: 0, bytesOut: 0 };
  readonly #transceiver: RTCRtpTransceiver;
  readonly #connected: () => boolean;
  readonly #view = new RtpView();
  #listener: RtpListener | null = null;
  #plane: RtpDataPlane | null = null;
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

  /** @internal werift's sender of this section (the data plane frames packets for it). */
  get sender(): WeriftSender {
    return this.#transceiver.sender as unknown as WeriftSender;
  }

  /** One listener for received RTP (null removes it). Called once per packet, after SRTP. */
  onRtp(listener: RtpListener | null): void {
    this.#listener = listener;
  }

  /** @internal werift's receiver of this section (its report loop stops when the data plane reports). */
  get receiver(): WeriftRtcpLoop {
    return this.#transceiver.receiver as unknown as WeriftRtcpLoop;
  }

  /** @internal The RTP clock of the negotiated codec (90 kHz until negotiated). */
  get clockRate(): number {
    return this.#transceiver.sender.codec?.clockRate ?? 90_000;
  }

  /** @internal The peer's data plane from now on (null: werift's path). */
  useDataPlane(plane: RtpDataPlane | null): void {
    this.#plane = plane;
    plane?.take(this);
  }

  /** @internal A packet werift received and decrypted: the data plane takes this SSRC's next ones. */
  receive(packet: RtpPacket): void {
    const v = this.#view;
    const h = packet.header;
    v.buffer = packet.payload;
    v.payloadOffset = 0;
    v.payloadEnd = packet.payload.length;
    v.ssrc = h.ssrc;
    v.sequenceNumber = h.sequenceNumber;
    v.timestamp = h.timestamp;
    v.payloadType = h.payloadType;
    v.marker = h.marker;
    this.#plane?.learn(h.ssrc, this);
    this.#deliver(v);
  }

  /** @internal A packet the data plane decrypted in place: `length` bytes of `buffer`. */
  receiveRaw(buffer: Buffer, length: number): void {
    const b0 = buffer[0]!;
    let offset = RTP_HEADER_BYTES + (b0 & 0x0f) * 4;
    if (b0 & 0x10) offset += offset + 4 <= length ? 4 + buffer.readUInt16BE(offset + 2) * 4 : length;
    let end = length;
    if (b0 & 0x20 && length > offset) end -= buffer[length - 1]!;
    if (offset > end) return;
    const v = this.#view;
    v.buffer = buffer;
    v.payloadOffset = offset;
    v.payloadEnd = end;
    v.ssrc = buffer.readUInt32BE(8);
    v.sequenceNumber = buffer.readUInt16BE(2);
    v.timestamp = buffer.readUInt32BE(4);
    v.payloadType = buffer[1]! & 0x7f;
    v.marker = (buffer[1]! & 0x80) !== 0;
    this.#deliver(v);
  }

  /** Send one packet with this track's own sequence number and timestamp. False until connected. */
  send(payload: Buffer, options: SendOptions): boolean {
    const sent = this.sendPayload(payload, 0, payload.length, this.#seq, this.#timestamp, options.marker ?? false);
    this.#seq = (this.#seq + 1) & 0xffff;
    this.#timestamp = (this.#timestamp + options.timestampStep) >>> 0;
    return sent;
  }

  /**
   * Send a received packet back out: same payload, sequence number, timestamp and marker; this side's SSRC
   * and payload type.
   */
  forward(packet: RtpView): boolean {
    return this.sendPayload(packet.buffer, packet.payloadOffset, packet.payloadEnd, packet.sequenceNumber, packet.timestamp, packet.marker);
  }

  /**
   * Send `buffer[start, end)` as the payload of one packet with these header fields (this side's SSRC and
   * payload type; werift's sequence/timestamp offsets added). The buffer is not kept. False until connected.
   */
  sendPayload(buffer: Buffer, start: number, end: number, sequenceNumber: number, timestamp: number, marker: boolean): boolean {
    if (!this.#connected()) return false;
    const plane = this.#plane;
    if (plane !== null) {
      if (!plane.send(this, buffer, start, end, sequenceNumber, timestamp, marker)) return false;
    } else {
      const sender = this.#transceiver.sender;
      if (!sender.codec) return false;
      // werift keeps the packet (NACK history): it gets its own copy of the payload
      const payload = Buffer.from(buffer.subarray(start, end));
      sender.sendRtp(new RtpPacket(new RtpHeader({ sequenceNumber, timestamp, marker }), payload)).catch(() => {});
    }
    this.stats.packetsOut++;
    this.stats.bytesOut += end - start;
    return true;
  }

  dump(): WebRtcTrackDump {
    return { mid: this.mid, kind: this.kind, codec: this.codec, ...this.stats };
  }

  #deliver(v: RtpView): void {
    this.stats.packetsIn++;
    this.stats.bytesIn += v.payloadEnd - v.payloadOffset;
    this.#listener?.(v, this);
  }
}
