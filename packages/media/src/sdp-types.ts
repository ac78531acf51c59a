/**
 * The SDP data model (RFC 4566). Lossless: every attribute is kept, in order, as name + raw value, so
 * parse → serialize reproduces well-formed input exactly. Typed views (rtpmap, fmtp, direction, ptime) are
 * functions over this model (sdp-attributes.ts).
 */

/** `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>` (RFC 4566 §5.2). */
export interface Origin {
  username: string;
  /** Kept as text: session ids are 64-bit numbers in practice. */
  sessionId: string;
  sessionVersion: string;
  netType: string;
  addrType: string;
  address: string;
}

/** `c=<nettype> <addrtype> <connection-address>` (RFC 4566 §5.7); multicast suffixes split out. */
export interface Connection {
  netType: string;
  /** `IP4` or `IP6` (others are kept as written). */
  addrType: string;
  address: string;
  /** IP4 multicast `/<ttl>`. */
  ttl?: number;
  /** Multicast `/<number of addresses>`. */
  numAddresses?: number;
}

/** `b=<bwtype>:<bandwidth>` (RFC 4566 §5.8), e.g. AS (kbps) or TIAS (bps, RFC 3890). */
export interface Bandwidth {
  type: string;
  value: number;
}

/** `t=<start-time> <stop-time>` with its `r=` lines (RFC 4566 §5.9–5.10). */
export interface Timing {
  start: string;
  stop: string;
  repeats: string[];
}

/** `a=<name>` (property, value null) or `a=<name>:<value>`. */
export interface Attribute {
  name: string;
  value: string | null;
}

/** An `m=` section (RFC 4566 §5.14) and its i/c/b/k/a lines. */
export interface MediaDescription {
  /** audio, video, application, text, message, … */
  type: string;
  port: number;
  /** `<port>/<number of ports>`. */
  numPorts?: number;
  /** RTP/AVP, RTP/SAVP, UDP/BFCP, TCP/BFCP, … */
  protocol: string;
  /** Payload types for RTP profiles, or other format tokens (`*` for BFCP). */
  formats: string[];
  information?: string;
  connections: Connection[];
  bandwidths: Bandwidth[];
  encryptionKey?: string;
  attributes: Attribute[];
}

export interface SessionDescription {
  version: number;
  origin: Origin;
  sessionName: string;
  information?: string;
  uri?: string;
  emails: string[];
  phones: string[];
  connection?: Connection;
  bandwidths: Bandwidth[];
  timing: Timing[];
  timeZones?: string;
  encryptionKey?: string;
  attributes: Attribute[];
  media: MediaDescription[];
}
