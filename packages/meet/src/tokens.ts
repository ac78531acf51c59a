/**
 * Interoperability tokens (DOMAIN.md §1). The secret is returned once, by `create`; only its SHA-256 hash
 * is kept. Look-up is by hash, confirmed with a constant-time comparison. Nothing here logs or lists a secret.
 */
import { timingSafeEqual } from 'node:crypto';
import { newId, parse } from '@gwsim/common';
import { MeetError } from './errors.ts';
import { hashSecret, newTokenSecret } from './identifiers.ts';
import type { CreatedToken, TokenInfo } from './model.ts';
import { tokenSpecSchema, type TokenSpec } from './specs.ts';

interface TokenRecord {
  info: TokenInfo;
  hash: Buffer;
}

export class TokenStore {
  readonly #byId = new Map<string, TokenRecord>();
  readonly #byHash = new Map<string, TokenRecord>();
  readonly #now: () => Date;

  constructor(now: () => Date) {
    this.#now = now;
  }

  /** Create a token for `tenant` (which the caller has checked exists). The only place a secret leaves. */
  create(tenant: string, input: TokenSpec): CreatedToken {
    const spec = parse(tokenSpecSchema, input);
    const secret = spec.secret ?? newTokenSecret();
    const hash = hashSecret(secret);
    const key = hash.toString('hex');
    if (this.#byHash.has(key)) throw new MeetError('TOKEN_EXISTS');
    const info: TokenInfo = Object.freeze({
      id: newId(),
      tenant,
      name: spec.name,
      trusted: spec.trusted,
      createdAt: this.#now().toISOString(),
    });
    const record = { info, hash };
    this.#byId.set(info.id, record);
    this.#byHash.set(key, record);
    return Object.freeze({ token: info, secret });
  }

  list(tenant: string): TokenInfo[] {
    return [...this.#byId.values()].filter((r) => r.info.tenant === tenant).map((r) => r.info);
  }

  get(id: string): TokenInfo {
    const record = this.#byId.get(id);
    if (!record) throw new MeetError('TOKEN_NOT_FOUND', `No token ${id}.`);
    return record.info;
  }

  /** Revoke; revoking again is a no-op that returns the original revocation. */
  revoke(id: string): TokenInfo {
    const record = this.#byId.get(id);
    if (!record) throw new MeetError('TOKEN_NOT_FOUND', `No token ${id}.`);
    if (!record.info.revokedAt) record.info = Object.freeze({ ...record.info, revokedAt: this.#now().toISOString() });
    return record.info;
  }

  /** The live (not revoked) token with this secret, or undefined. Unknown and revoked look the same. */
  authenticate(secret: string): TokenInfo | undefined {
    const hash = hashSecret(secret);
    const record = this.#byHash.get(hash.toString('hex'));
    if (!record || !timingSafeEqual(record.hash, hash) || record.info.revokedAt) return undefined;
    return record.info;
  }
}
