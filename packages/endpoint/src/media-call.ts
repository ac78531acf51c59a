import type { LatencyHistogram, MarkedState, MediaSessionStats, StreamName } from '@gwsim/media';
import type { EndpointMedia } from './endpoint-media.ts';

/** What every persona's call says about its media: delegated to the call's EndpointMedia. */
export abstract class MediaCall {
  readonly media: EndpointMedia;
  /** The SDP answer from the 200 OK. */
  readonly answer: string;

  constructor(media: EndpointMedia, answer: string) {
    this.media = media;
    this.answer = answer;
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

  mediaStats(): MediaSessionStats | null {
    return this.media.mediaStats();
  }

  rttHistogram(stream: StreamName): LatencyHistogram | null {
    return this.media.rttHistogram(stream);
  }
}
