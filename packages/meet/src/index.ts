/** @gwsim/meet — the mock Google Meet interop service: model, admission, HTTP API, clients and WebRTC answerer. */
export * from './model.ts';
export * from './refusals.ts';
export { API_ERRORS, MeetError, type ApiErrorCode } from './errors.ts';
export { decideAdmission, inScope, withinOrgUnit, type AdmissionDecision, type AdmissionFacts, type MeetingFacts } from './admission.ts';
export {
  MeetService,
  DEFAULT_KNOCK_TIMEOUT_MS,
  DEFAULT_RETAINED_JOINS,
  type MeetServiceOptions,
  type MeetServiceEvents,
  type MeetServiceDump,
  type JoinOutcome,
  type JoinCheck,
} from './service.ts';
export { DEFAULT_CAPACITY } from './meetings.ts';
export { DEFAULT_INTEROP } from './tenants.ts';
export { LONG_ID, SHORT_ID, MEETING_CODE } from './identifiers.ts';
export * from './specs.ts';
export { MeetServer, mediaAddressFor, type MeetServerOptions, type MeetServerDump, type MeetMediaOptions } from './server.ts';
export {
  WebRtcAnswerer,
  DEFAULT_ANSWER_TIMEOUT_MS,
  DEFAULT_MEDIA_CONNECT_TIMEOUT_MS,
  type WebRtcAnswererOptions,
  type WebRtcAnswererDump,
  type AnswererPeerDump,
  type MediaJoinOutcome,
  type MediaState,
} from './webrtc-answerer.ts';
export { describeFields, type FieldDoc } from './schema-doc.ts';
export { ADMIN_KEY_HEADER, MAX_BODY_BYTES } from './http-io.ts';
export {
  MeetClient,
  DEFAULT_CLIENT_TIMEOUT_MS,
  type MeetClientOptions,
  type JoinParams,
  type JoinResult,
  type JoinFailure,
  type JoinStatusResult,
  type LeaveResult,
  type EventsResult,
  type MeetInteropClient,
} from './client.ts';
export { MeetChannelClient, type MeetChannelClientOptions } from './channel-client.ts';
export { CHANNEL_PATH, CHANNEL_PROTOCOL, CHANNEL_MAX_FRAME } from './interop-channel.ts';
export { MeetAdminClient, MeetAdminError, type MeetAdminClientOptions } from './admin-client.ts';
export { encodeSse, SseParser, type SseMessage } from './sse.ts';
