/**
 * Views over SDP for multi-stream legs: the RFC 4796 content attribute (`a=content:slides` marks the
 * presentation video), RFC 5761 `a=rtcp-mux`, RFC 5888/8843 `a=mid` and the BUNDLE group, and where each
 * stream of a description should be sent (`mediaTargets`).
 */
import { findAttribute, findAttributes } from './sdp-attributes.ts';
import type { MediaDescription, SessionDescription } from './sdp-types.ts';

/** RFC 4796 §5 content values (others are allowed as tokens). */
export type ContentValue = 'slides' | 'speaker' | 'sl' | 'main' | 'alt' | (string & {});

/** The content values of a media section (`a=content:slides,speaker` → ['slides', 'speaker']), or []. */
export function contentOf(media: MediaDescription): ContentValue[] {
  const a = findAttribute(media.attributes, 'content');
  if (a?.value == null) return [];
  return a.value.split(',').map((v) => v.trim().toLowerCase()).filter((v) => v !== '');
}

/** A video section carrying presentation content (`a=content:slides`). */
export function isSlides(media: MediaDescription): boolean {
  return media.type === 'video' && contentOf(media).includes('slides');
}

/** `a=rtcp-mux` (RFC 5761 §5.1.1). */
export function hasRtcpMux(media: MediaDescription): boolean {
  return findAttribute(media.attributes, 'rtcp-mux') !== undefined;
}

/** `a=mid` of a section (RFC 5888), if any. */
export function midOf(media: MediaDescription): string | undefined {
  return findAttribute(media.attributes, 'mid')?.value ?? undefined;
}

/** The mids of the session's `a=group:BUNDLE` (RFC 8843), or []. */
export function bundleGroup(sd: SessionDescription): string[] {
  for (const a of findAttributes(sd.attributes, 'group')) {
    const parts = (a.value ?? '').trim().split(/\s+/);
    if (parts[0]?.toUpperCase() === 'BUNDLE') return parts.slice(1);
  }
  return [];
}

export interface MediaTarget {
  readonly address: string;
  readonly port: number;
  /** Index of the m= line. */
  readonly index: number;
  readonly rtcpMux: boolean;
}

/** Where to send each stream: the first live audio, main video (not slides) and slides video sections. */
export interface MediaTargets {
  audio?: MediaTarget;
  video?: MediaTarget;
  content?: MediaTarget;
}

/** The address (media c= else session c=) and port of each live stream of a description. */
export function mediaTargets(sd: SessionDescription): MediaTargets {
  const out: MediaTargets = {};
  sd.media.forEach((m, index) => {
    if (m.port === 0) return;
    const address = m.connections[0]?.address ?? sd.connection?.address;
    if (address === undefined) return;
    const key = m.type === 'audio' ? 'audio' : m.type === 'video' ? (isSlides(m) ? 'content' : 'video') : undefined;
    if (key === undefined || out[key] !== undefined) return;
    out[key] = { address, port: m.port, index, rtcpMux: hasRtcpMux(m) };
  });
  return out;
}
