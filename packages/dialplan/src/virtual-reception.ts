/**
 * Virtual Reception digit collection as a pure reducer. The caller keys a meeting ID by DTMF: digits
 * accumulate, `*` clears the entry, `#` (or an inter-digit timeout, or reaching maxDigits) submits it. A
 * submitted entry must match the reception's match_string (whole entry) if it has one, and is transformed by
 * post_match_string; the result is a new alias to route again (routeCall). Too many rejected entries end in
 * `failed`. Timers and prompts belong to the caller (the node); this module only decides.
 */
import { GwsimError } from '@gwsim/common';
import type { RoutingVirtualReception } from './config.ts';
import { expandTemplate } from './python-regex.ts';

export type VrPhase = 'collecting' | 'done' | 'failed';

/** Feedback for the IVR prompt after the last input. */
export type VrNotice = 'digit' | 'cleared' | 'empty' | 'invalid' | 'ignored' | 'accepted' | 'too_many_attempts';

export interface VrState {
  readonly phase: VrPhase;
  /** Digits of the entry in progress. */
  readonly digits: string;
  /** Entries rejected so far (invalid or empty on timeout). */
  readonly attempts: number;
  /** The last submitted entry. */
  readonly entered: string | null;
  /** When `done`: the alias to route. */
  readonly alias: string | null;
  readonly notice: VrNotice | null;
  readonly maxDigits: number;
  readonly maxAttempts: number;
}

export type VrInput = { readonly type: 'dtmf'; readonly key: string } | { readonly type: 'timeout' };

export interface VrOptions {
  /** Entry length that submits automatically (default 20; a long Meet ID is 13). */
  readonly maxDigits?: number;
  /** Rejected entries before giving up (default 3). */
  readonly maxAttempts?: number;
}

export type VrRules = Pick<RoutingVirtualReception, 'pattern' | 'postMatch'>;

export const VR_DEFAULTS = { maxDigits: 20, maxAttempts: 3 } as const;

export function startVirtualReception(options: VrOptions = {}): VrState {
  const maxDigits = options.maxDigits ?? VR_DEFAULTS.maxDigits;
  const maxAttempts = options.maxAttempts ?? VR_DEFAULTS.maxAttempts;
  if (!Number.isInteger(maxDigits) || maxDigits < 1) throw new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', `maxDigits must be a positive integer, got ${maxDigits}`);
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', `maxAttempts must be a positive integer, got ${maxAttempts}`);
  return Object.freeze({ phase: 'collecting', digits: '', attempts: 0, entered: null, alias: null, notice: null, maxDigits, maxAttempts });
}

/** Check an entry against match_string and apply post_match_string; null when the entry is rejected. */
export function resolveEntry(reception: VrRules, entered: string): string | null {
  if (reception.pattern === null) {
    if (reception.postMatch === null) return entered;
    // No match string: the template sees the whole entry as group 0.
    const whole = Object.assign([entered], { index: 0, input: entered, groups: undefined }) as RegExpExecArray;
    return expandTemplate(reception.postMatch, whole);
  }
  const match = reception.pattern.regex.exec(entered);
  if (match === null) return null;
  return reception.postMatch === null ? entered : expandTemplate(reception.postMatch, match);
}

function next(state: VrState, patch: Partial<VrState>): VrState {
  return Object.freeze({ ...state, ...patch });
}

function reject(state: VrState, entered: string | null, notice: VrNotice): VrState {
  const attempts = state.attempts + 1;
  if (attempts >= state.maxAttempts) {
    return next(state, { phase: 'failed', digits: '', attempts, entered, notice: 'too_many_attempts' });
  }
  return next(state, { digits: '', attempts, entered, notice });
}

function submit(reception: VrRules, state: VrState, entered: string): VrState {
  const alias = resolveEntry(reception, entered);
  if (alias === null || alias === '') return reject(state, entered, 'invalid');
  return next(state, { phase: 'done', digits: '', entered, alias, notice: 'accepted' });
}

/** One step of the reducer. Input after `done` or `failed` leaves the state unchanged. */
export function stepVirtualReception(reception: VrRules, state: VrState, input: VrInput): VrState {
  if (state.phase !== 'collecting') return state;
  if (input.type === 'timeout') {
    return state.digits === '' ? reject(state, null, 'empty') : submit(reception, state, state.digits);
  }
  const key = input.key;
  if (key.length === 1 && key >= '0' && key <= '9') {
    const digits = state.digits + key;
    return digits.length >= state.maxDigits ? submit(reception, state, digits) : next(state, { digits, notice: 'digit' });
  }
  if (key === '*') return next(state, { digits: '', notice: 'cleared' });
  if (key === '#') return state.digits === '' ? next(state, { notice: 'empty' }) : submit(reception, state, state.digits);
  return next(state, { notice: 'ignored' }); // A–D and anything else
}

/** Feed a string of DTMF keys (e.g. `"1234567890123#"`) through the reducer. */
export function collectDigits(reception: VrRules, keys: string, options: VrOptions = {}): VrState {
  let state = startVirtualReception(options);
  for (const key of keys) state = stepVirtualReception(reception, state, { type: 'dtmf', key });
  return state;
}
