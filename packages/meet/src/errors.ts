/**
 * Errors of the admin/host API and of request handling (not join refusals: those are in REFUSALS).
 * One table gives each stable code its HTTP status.
 */
import { GwsimError } from '@gwsim/common';

export const API_ERRORS = Object.freeze({
  INVALID_REQUEST: { status: 400, message: 'The request is malformed.' },
  ADMIN_KEY_INVALID: { status: 401, message: 'A valid x-gwsim-admin-key header is required.' },
  NOT_FOUND: { status: 404, message: 'No such route.' },
  TENANT_NOT_FOUND: { status: 404, message: 'No such tenant.' },
  TOKEN_NOT_FOUND: { status: 404, message: 'No such token.' },
  MEETING_NOT_FOUND: { status: 404, message: 'No such meeting.' },
  PARTICIPANT_NOT_FOUND: { status: 404, message: 'No such participant in this meeting.' },
  JOIN_NOT_FOUND: { status: 404, message: 'No such join.' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed on this route.' },
  TENANT_EXISTS: { status: 409, message: 'A tenant with this domain already exists.' },
  USER_EXISTS: { status: 409, message: 'A user with this email already exists.' },
  TOKEN_EXISTS: { status: 409, message: 'A token with this secret already exists.' },
  MEETING_EXISTS: { status: 409, message: 'A meeting with this ID or code already exists.' },
  MEETING_ENDED: { status: 409, message: 'The meeting has ended.' },
  NOT_IN_LOBBY: { status: 409, message: 'The participant is not waiting in the lobby.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'The request body must be application/json.' },
  UNKNOWN_ORGANIZER: { status: 422, message: 'The organizer is not a user of any tenant.' },
  INTERNAL: { status: 500, message: 'Internal error.' },
  MEDIA_FAILED: { status: 500, message: 'The WebRTC answerer could not answer the offer.' },
  UNAVAILABLE: { status: 503, message: 'The service is shutting down.' },
} as const satisfies Record<string, { status: number; message: string }>);

export type ApiErrorCode = keyof typeof API_ERRORS;

/** An admin/host operation that cannot be done; `apiCode` is the stable API code, `status` its HTTP status. */
export class MeetError extends GwsimError {
  readonly apiCode: ApiErrorCode;
  readonly status: number;

  constructor(apiCode: ApiErrorCode, message?: string, options?: { cause?: unknown }) {
    const info = API_ERRORS[apiCode];
    super(info.status === 409 ? 'GWSIM_ERR_ILLEGAL_STATE' : 'GWSIM_ERR_INVALID_ARGUMENT', message ?? info.message, options);
    this.apiCode = apiCode;
    this.status = info.status;
    this.name = 'MeetError';
  }
}
