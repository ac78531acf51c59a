/**
 * Stable error codes (undici `UND_ERR_*` style). Every error gwsim throws on purpose is a GwsimError
 * with a `code` that callers and tests can switch on, a message a human can act on, and a `cause`.
 */
export type ErrorCode =
  | 'GWSIM_ERR_INVALID_ARGUMENT'
  | 'GWSIM_ERR_INVALID_CONFIG'
  | 'GWSIM_ERR_PARSE'
  | 'GWSIM_ERR_TIMEOUT'
  | 'GWSIM_ERR_CLOSED'
  | 'GWSIM_ERR_TRANSPORT'
  | 'GWSIM_ERR_DNS'
  | 'GWSIM_ERR_HTTP'
  | 'GWSIM_ERR_ILLEGAL_STATE';

export class GwsimError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'GwsimError';
  }
}

/** A configuration or input value that failed validation; `path` is the field path (`rules[2].match_string`). */
export class ConfigError extends GwsimError {
  readonly path: string;

  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super('GWSIM_ERR_INVALID_CONFIG', path ? `${path}: ${message}` : message, options);
    this.path = path;
    this.name = 'ConfigError';
  }
}

export class TimeoutError extends GwsimError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('GWSIM_ERR_TIMEOUT', message, options);
    this.name = 'TimeoutError';
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
