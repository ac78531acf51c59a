/**
 * Meeting identifiers and credential handling. Secrets are hashed with SHA-256 on arrival; only hashes are
 * stored and they are compared in constant time.
 */
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/** 13-digit long meeting ID (universal PIN). */
export const LONG_ID = /^\d{13}$/;
/** Short meeting ID (convention: 10 digits generated; 4-12 accepted when given). */
export const SHORT_ID = /^\d{4,12}$/;
export const SHORT_ID_DIGITS = 10;
/** Meeting code `abc-defg-hij`. */
export const MEETING_CODE = /^[a-z]{3}-[a-z]{4}-[a-z]{3}$/;

function digits(n: number): string {
  let out = String(randomInt(1, 10)); // no leading zero
  for (let i = 1; i < n; i++) out += String(randomInt(0, 10));
  return out;
}

function letters(n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += String.fromCharCode(97 + randomInt(0, 26));
  return out;
}

/** Generate until `taken` says no (the spaces are large; the loop is bounded anyway). */
function unique(make: () => string, taken: (v: string) => boolean): string {
  for (let i = 0; i < 1000; i++) {
    const v = make();
    if (!taken(v)) return v;
  }
  throw new Error('identifier space exhausted');
}

export function newLongMeetingId(taken: (v: string) => boolean): string {
  return unique(() => digits(13), taken);
}

export function newShortMeetingId(taken: (v: string) => boolean): string {
  return unique(() => digits(SHORT_ID_DIGITS), taken);
}

export function newMeetingCode(taken: (v: string) => boolean): string {
  return unique(() => `${letters(3)}-${letters(4)}-${letters(3)}`, taken);
}

/** A fresh token secret: 32 random bytes, base64url (43 characters). */
export function newTokenSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** Constant-time equality of two secrets of any length (compares their SHA-256 digests). */
export function secretsEqual(a: string, b: string): boolean {
  return timingSafeEqual(hashSecret(a), hashSecret(b));
}
