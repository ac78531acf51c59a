/** Synthetic media sources with measurable (probe) payloads, driven by one ticker. */
export { PacketPool } from './packet-pool.ts';
export { random32, type PacketSink, type SyntheticSource } from './source-options.ts';
export { AudioSource, type AudioCodecName, type AudioSourceOptions } from './audio-source.ts';
export {
  contentSource,
  isVp8Keyframe,
  readVp8Descriptor,
  VideoSource,
  VP8_DESCRIPTOR_BYTES,
  type VideoContent,
  type VideoSourceOptions,
} from './video-source.ts';
