import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

/** Time-ordered id for calls and traces (UUID v7). */
export function newId(): string {
  return uuidv7();
}

/** Random token of `bytes` bytes as lowercase hex (SIP tags, branch suffixes, Call-IDs). */
export function randomToken(bytes = 8): string {
  return randomBytes(bytes).toString('hex');
}
