/** Options and plain snapshots of a MediaSession (media-stream.ts). */
import type { AudioQuality, EModelCodec } from './e-model.ts';
import type { LatencySummary } from './latency-histogram.ts';
import type { ProbeOrigin } from './probe-payload.ts';
import type { AudioSourceOptions } from './sources/audio-source.ts';
import type { VideoSourceOptions } from './sources/video-source.ts';

/** The three RTP streams of a room-system call: audio, main video and presentation content (slides). */
export type StreamName = 'audio' | 'video' | 'content';
export const STREAM_NAMES: readonly StreamName[] = Object.freeze(['audio', 'video', 'content']);

/**
 * - `send`: the streams' synthetic sources send probe media to the remote (and everything received is measured);
 * - `echo`: every RTP packet received is sent back where it came from, with this side's SSRC and the probe
 *   origin rewritten to `echoOrigin` (what Meet's echo does), so the sender measures its round trip;
 * - `receive`: measure only.
 */
export type SessionMode = 'send' | 'echo' | 'receive';

export interface MediaSessionOptions {
  /** The simulated host's loopback address; one RTP port (RTCP muxed) is opened per stream. */
  readonly address: string;
  /** Default all three. */
  readonly streams?: readonly StreamName[];
  readonly mode?: SessionMode;
  /** Origin tag written into echoed probes (default `meet-echo`). */
  readonly echoOrigin?: ProbeOrigin;
  readonly audio?: AudioSourceOptions;
  readonly video?: VideoSourceOptions;
  readonly content?: VideoSourceOptions;
  /** Compound RTCP (SR/RR + SDES CNAME) per stream every this many ms (default 1000; 0: none). */
  readonly rtcpIntervalMs?: number;
  /** SDES CNAME (default `gwsim-<random>@<address>`). */
  readonly cname?: string;
  readonly name?: string;
  /** Batched UDP I/O for the session's RTP ports (RtpPortOptions.batchedIo) when available. Default true. */
  readonly batchedIo?: boolean;
}

export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

/** What the far end said about our stream in its last report block. */
export interface RemoteReport {
  readonly fractionLost: number;
  readonly cumulativeLost: number;
  readonly jitterMs: number;
}

export interface StreamStats {
  readonly name: StreamName;
  readonly local: Endpoint;
  readonly remote: Endpoint | null;
  /** Our SSRC and probe stream id. */
  readonly ssrc: number;
  readonly streamId: number;
  /** RTP datagrams and bytes (headers included) this port sent, including echoed packets. */
  readonly sent: { readonly packets: number; readonly bytes: number; readonly frames: number };
  readonly received: {
    readonly packets: number;
    readonly bytes: number;
    /** RFC 3550 A.3 over every source received (probation packets excluded). */
    readonly expected: number;
    readonly lost: number;
    readonly lossPercent: number;
    /** RFC 3550 A.8 jitter of the most recent source. */
    readonly jitterMs: number;
    readonly sources: number;
    /** Packets that were not RTP (and not RTCP). */
    readonly invalid: number;
  };
  readonly rtcp: {
    readonly sent: number;
    readonly received: number;
    readonly parseErrors: number;
    readonly byes: number;
    /** RTT from LSR/DLSR (RFC 3550 §6.4.1). */
    readonly rtt: LatencySummary | null;
    readonly remoteReport: RemoteReport | null;
  };
  /** Round trip of our own probes that came back (echo). */
  readonly rtt: LatencySummary | null;
  /** One-way delay of other senders' probes (probe clocks are comparable on one host). */
  readonly oneWay: LatencySummary | null;
  /** Received packets by probe origin tag (packets without a probe are not counted here). */
  readonly origins: Readonly<Partial<Record<ProbeOrigin, number>>>;
  /** E-model estimate for the received audio (audio stream only, once something was received). */
  readonly quality: (AudioQuality & { readonly codec: EModelCodec; readonly oneWayDelayMs: number }) | null;
}

export interface MediaSessionStats {
  readonly name: string;
  readonly mode: SessionMode;
  readonly closed: boolean;
  readonly streams: Readonly<Partial<Record<StreamName, StreamStats>>>;
  readonly totals: {
    readonly sent: { readonly packets: number; readonly bytes: number };
    readonly received: { readonly packets: number; readonly bytes: number; readonly lost: number };
  };
}
