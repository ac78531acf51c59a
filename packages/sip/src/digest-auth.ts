/**
 * HTTP Digest authentication for SIP: RFC 3261 §22 with the algorithms of RFC 8760 (which brings RFC 7616
 * to SIP): MD5, SHA-256 and SHA-512-256, their -sess variants, qop=auth / auth-int, nc/cnonce, stale nonces.
 * Passwords never leave this module: nothing here logs, and comparisons run in constant time.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { systemClock, type Clock } from '@gwsim/common';
import { SipParseError } from './errors.ts';
import type { SipRequest, SipResponse } from './message.ts';
import { randomHex } from './message-factory.ts';
import type { Middleware } from './middleware.ts';
import { parseUri } from './uri.ts';

export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess' | 'SHA-512-256' | 'SHA-512-256-sess';

const HASH: Record<string, string> = { 'MD5': 'md5', 'SHA-256': 'sha256', 'SHA-512-256': 'sha512-256' };
/** Client preference, strongest first (RFC 8760 §2.4: the UAC uses the first algorithm it supports, servers list preferred first). */
const STRENGTH: DigestAlgorithm[] = ['SHA-512-256', 'SHA-512-256-sess', 'SHA-256', 'SHA-256-sess', 'MD5', 'MD5-sess'];

export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  algorithm: DigestAlgorithm;
  /** Offered qop values (`auth`, `auth-int`); empty for an RFC 2069-style challenge. */
  qop: string[];
  stale: boolean;
  domain?: string;
}

/** The parameters of an Authorization / Proxy-Authorization header. */
export interface DigestCredentialsHeader {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm: DigestAlgorithm;
  cnonce?: string;
  opaque?: string;
  qop?: string;
  nc?: string;
}

/** What a UAC knows: the password stays in memory and is only ever hashed. */
export interface DigestCredentials {
  username: string;
  password: string;
  /** Answer only challenges for this realm (default: any realm). */
  realm?: string;
}

/** Parse `Digest a=b, c="d"` auth-params (RFC 7616 §3.3/§3.4; RFC 3261 §25.1). Throws SipParseError. */
export function parseAuthParams(value: string): { scheme: string; params: Map<string, string> } {
  const m = /^\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s+/.exec(value);
  if (!m) throw new SipParseError(`bad authentication header "${value.slice(0, 60)}"`);
  const params = new Map<string, string>();
  let i = m[0].length;
  const s = value;
  while (i < s.length) {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === ',')) i++;
    if (i >= s.length) break;
    const eq = s.indexOf('=', i);
    if (eq < 0) throw new SipParseError(`auth-param without "=" in "${s.slice(i, i + 40)}"`);
    const name = s.slice(i, eq).trim().toLowerCase();
    if (!/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) throw new SipParseError(`bad auth-param name "${name}"`);
    i = eq + 1;
    while (s[i] === ' ' || s[i] === '\t') i++;
    let v: string;
    if (s[i] === '"') {
      let k = i + 1;
      let out = '';
      while (k < s.length && s[k] !== '"') {
        if (s[k] === '\\' && k + 1 < s.length) k++;
        out += s[k];
        k++;
      }
      if (k >= s.length) throw new SipParseError(`unterminated quoted value for auth-param "${name}"`);
      v = out;
      i = k + 1;
    } else {
      let k = i;
      while (k < s.length && s[k] !== ',') k++;
      v = s.slice(i, k).trim();
      i = k;
    }
    if (params.has(name)) throw new SipParseError(`duplicate auth-param "${name}"`);
    params.set(name, v);
  }
  return { scheme: m[1]!, params };
}

function toAlgorithm(raw: string | undefined): DigestAlgorithm | null {
  if (raw === undefined) return 'MD5'; // RFC 7616 §3.3: absent means MD5
  const found = STRENGTH.find((a) => a.toLowerCase() === raw.toLowerCase());
  return found ?? null;
}

/** A Digest challenge, or null when the header is another scheme or names an algorithm we do not know. */
export function parseChallenge(value: string): DigestChallenge | null {
  const { scheme, params } = parseAuthParams(value);
  if (scheme.toLowerCase() !== 'digest') return null;
  const realm = params.get('realm');
  const nonce = params.get('nonce');
  if (realm === undefined || nonce === undefined) throw new SipParseError('Digest challenge without realm or nonce');
  const algorithm = toAlgorithm(params.get('algorithm'));
  if (!algorithm) return null;
  const qop = (params.get('qop') ?? '').split(',').map((q) => q.trim().toLowerCase()).filter(Boolean);
  return { realm, nonce, opaque: params.get('opaque'), algorithm, qop, stale: params.get('stale')?.toLowerCase() === 'true', domain: params.get('domain') };
}

/** Digest credentials from an Authorization header, or null for another scheme. Throws SipParseError. */
export function parseCredentials(value: string): DigestCredentialsHeader | null {
  const { scheme, params } = parseAuthParams(value);
  if (scheme.toLowerCase() !== 'digest') return null;
  const need = ['username', 'realm', 'nonce', 'uri', 'response'] as const;
  for (const n of need) if (params.get(n) === undefined) throw new SipParseError(`Digest credentials without ${n}`);
  const algorithm = toAlgorithm(params.get('algorithm'));
  if (!algorithm) throw new SipParseError(`unsupported Digest algorithm "${params.get('algorithm')}"`);
  return {
    username: params.get('username')!,
    realm: params.get('realm')!,
    nonce: params.get('nonce')!,
    uri: params.get('uri')!,
    response: params.get('response')!,
    algorithm,
    cnonce: params.get('cnonce'),
    opaque: params.get('opaque'),
    qop: params.get('qop')?.toLowerCase(),
    nc: params.get('nc'),
  };
}

function h(algorithm: DigestAlgorithm, data: string | Buffer): string {
  return createHash(HASH[algorithm.replace(/-sess$/, '')]!).update(data).digest('hex');
}

export interface DigestInput {
  algorithm: DigestAlgorithm;
  username: string;
  realm: string;
  password: string;
  nonce: string;
  method: string;
  uri: string;
  qop?: string;
  nc?: string;
  cnonce?: string;
  /** Needed for qop=auth-int. */
  body?: Buffer;
}

/** RFC 7616 §3.4.1 `response` value (RFC 2069 form when no qop). */
export function computeDigest(input: DigestInput): string {
  const { algorithm } = input;
  let ha1 = h(algorithm, `${input.username}:${input.realm}:${input.password}`);
  if (algorithm.endsWith('-sess')) ha1 = h(algorithm, `${ha1}:${input.nonce}:${input.cnonce ?? ''}`);
  const a2 = input.qop === 'auth-int' ? `${input.method}:${input.uri}:${h(algorithm, input.body ?? Buffer.alloc(0))}` : `${input.method}:${input.uri}`;
  const ha2 = h(algorithm, a2);
  if (!input.qop) return h(algorithm, `${ha1}:${input.nonce}:${ha2}`);
  return h(algorithm, `${ha1}:${input.nonce}:${input.nc}:${input.cnonce}:${input.qop}:${ha2}`);
}

const quote = (s: string) => `"${s.replace(/(["\\])/g, '\\$1')}"`;

function formatCredentials(c: DigestCredentialsHeader): string {
  let s = `Digest username=${quote(c.username)}, realm=${quote(c.realm)}, nonce=${quote(c.nonce)}, uri=${quote(c.uri)}, response=${quote(c.response)}, algorithm=${c.algorithm}`;
  if (c.opaque !== undefined) s += `, opaque=${quote(c.opaque)}`;
  if (c.qop) s += `, qop=${c.qop}, nc=${c.nc}, cnonce=${quote(c.cnonce ?? '')}`;
  return s;
}

/**
 * The UAC side (RFC 3261 §22.2): answers 401/407 challenges for one set of credentials, counting nonce
 * uses (nc) per nonce. One client per request chain (a dialog, a registration).
 */
export class DigestClient {
  readonly #credentials: DigestCredentials;
  readonly #nc = new Map<string, number>();

  constructor(credentials: DigestCredentials) {
    this.#credentials = credentials;
  }

  get username(): string {
    return this.#credentials.username;
  }

  /**
   * The header to add to a retry of `request` after the challenge `response` (401 → Authorization,
   * 407 → Proxy-Authorization), or null when no challenge is usable (unknown scheme/algorithm, other realm).
   */
  authorize(request: SipRequest, response: SipResponse): [string, string] | null {
    const proxy = response.status === 407;
    const challenges: DigestChallenge[] = [];
    for (const v of response.headers.getAll(proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate')) {
      try {
        const c = parseChallenge(v);
        if (c && (this.#credentials.realm === undefined || c.realm === this.#credentials.realm)) challenges.push(c);
      } catch {
        // skip a malformed challenge; another may be usable
      }
    }
    if (!challenges.length) return null;
    challenges.sort((a, b) => STRENGTH.indexOf(a.algorithm) - STRENGTH.indexOf(b.algorithm));
    const c = challenges[0]!;
    const qop = c.qop.includes('auth') ? 'auth' : c.qop.includes('auth-int') ? 'auth-int' : undefined;
    const count = (this.#nc.get(c.nonce) ?? 0) + 1;
    this.#nc.set(c.nonce, count);
    if (this.#nc.size > 16) this.#nc.delete(this.#nc.keys().next().value!);
    const nc = count.toString(16).padStart(8, '0');
    const cnonce = qop || c.algorithm.endsWith('-sess') ? randomHex(12) : undefined;
    const uri = request.uri;
    const responseValue = computeDigest({ algorithm: c.algorithm, username: this.#credentials.username, realm: c.realm, password: this.#credentials.password, nonce: c.nonce, method: request.method, uri, qop, nc, cnonce, body: request.body });
    const header = formatCredentials({ username: this.#credentials.username, realm: c.realm, nonce: c.nonce, uri, response: responseValue, algorithm: c.algorithm, opaque: c.opaque, qop, nc: qop ? nc : undefined, cnonce });
    return [proxy ? 'Proxy-Authorization' : 'Authorization', header];
  }
}

/** Whether a 401/407 response says only that our nonce was stale (so a retry is worth it). */
export function isStaleChallenge(response: SipResponse): boolean {
  const name = response.status === 407 ? 'Proxy-Authenticate' : 'WWW-Authenticate';
  return response.headers.getAll(name).some((v) => {
    try {
      return parseChallenge(v)?.stale === true;
    } catch {
      return false;
    }
  });
}

export interface DigestAuthenticatorOptions {
  realm: string;
  /** The user's password for this realm, or null when the user is unknown. Never logged. */
  lookup: (username: string, realm: string) => string | null | Promise<string | null>;
  /** Algorithms to offer, most preferred first; one challenge each (default SHA-256 then MD5, RFC 8760 §2.4). */
  algorithms?: DigestAlgorithm[];
  /** Proxy authentication: 407 with Proxy-Authenticate instead of 401 with WWW-Authenticate. */
  proxy?: boolean;
  /** Nonce lifetime; older nonces are answered with a new challenge marked stale=true. Default 5 min. */
  nonceTtlMs?: number;
  /** Require the credentials' `uri` to name the Request-URI (RFC 7616 §3.4.6). Default true. */
  checkUri?: boolean;
  clock?: Clock;
  /** HMAC key for stateless nonces (default: random per authenticator). */
  secret?: Buffer;
}

export type DigestVerdict =
  | { ok: true; username: string; realm: string }
  | { ok: false; status: 400 | 401 | 403 | 407; reason: string; headers: Array<[string, string]> };

/**
 * The UAS/registrar side: challenges with stateless HMAC nonces (timestamp + random + MAC), verifies
 * responses in constant time, refuses replayed nonce counts and answers expired nonces with stale=true.
 */
export class DigestAuthenticator {
  readonly realm: string;
  readonly #o: Required<Omit<DigestAuthenticatorOptions, 'secret' | 'clock'>>;
  readonly #clock: Clock;
  readonly #secret: Buffer;
  /** Highest nc seen per nonce (replay protection); pruned as nonces expire. */
  readonly #seen = new Map<string, { nc: number; issued: number }>();

  constructor(options: DigestAuthenticatorOptions) {
    for (const a of options.algorithms ?? []) if (!STRENGTH.includes(a)) throw new SipParseError(`unsupported Digest algorithm "${a as string}"`);
    this.realm = options.realm;
    this.#o = { realm: options.realm, lookup: options.lookup, algorithms: options.algorithms ?? ['SHA-256', 'MD5'], proxy: options.proxy ?? false, nonceTtlMs: options.nonceTtlMs ?? 300_000, checkUri: options.checkUri ?? true };
    this.#clock = options.clock ?? systemClock;
    this.#secret = options.secret ?? randomBytes(32);
  }

  #mac(data: string): string {
    return createHmac('sha256', this.#secret).update(data).digest('base64url').slice(0, 22);
  }

  newNonce(): string {
    const body = `${Math.floor(this.#clock.now()).toString(36)}.${randomHex(8)}`;
    return `${body}.${this.#mac(body)}`;
  }

  /** Age in ms of a nonce we issued, or null when it is not ours (bad MAC or shape). */
  #nonceAge(nonce: string): number | null {
    const last = nonce.lastIndexOf('.');
    if (last < 0) return null;
    const body = nonce.slice(0, last);
    const mac = Buffer.from(nonce.slice(last + 1));
    const want = Buffer.from(this.#mac(body));
    if (mac.length !== want.length || !timingSafeEqual(mac, want)) return null;
    const issued = parseInt(body.slice(0, body.indexOf('.')), 36);
    return Number.isFinite(issued) ? this.#clock.now() - issued : null;
  }

  /** Challenge headers: one per algorithm, preferred first, all with the same fresh nonce. */
  challenge(stale = false): Array<[string, string]> {
    const nonce = this.newNonce();
    const name = this.#o.proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate';
    return this.#o.algorithms.map((algorithm) => [name, `Digest realm=${quote(this.realm)}, nonce=${quote(nonce)}, algorithm=${algorithm}, qop="auth"${stale ? ', stale=true' : ''}`]);
  }

  #refuse(reason: string, stale = false): DigestVerdict {
    return { ok: false, status: this.#o.proxy ? 407 : 401, reason, headers: this.challenge(stale) };
  }

  /** Check a request's credentials for our realm. */
  async verify(request: SipRequest): Promise<DigestVerdict> {
    const values = request.headers.getAll(this.#o.proxy ? 'Proxy-Authorization' : 'Authorization');
    let creds: DigestCredentialsHeader | null = null;
    for (const v of values) {
      try {
        const c = parseCredentials(v);
        if (c && c.realm === this.realm) {
          creds = c;
          break;
        }
      } catch (err) {
        return { ok: false, status: 400, reason: `Bad credentials: ${(err as Error).message}`, headers: [] };
      }
    }
    if (!creds) return this.#refuse(this.#o.proxy ? 'Proxy Authentication Required' : 'Unauthorized');
    if (!this.#o.algorithms.includes(creds.algorithm)) return this.#refuse('Algorithm not offered');
    if (creds.qop !== undefined && creds.qop !== 'auth') return this.#refuse('Unsupported qop');
    if (creds.qop === undefined) return this.#refuse('qop=auth required');
    if (!creds.nc || !/^[0-9a-f]{8}$/i.test(creds.nc) || !creds.cnonce) return { ok: false, status: 400, reason: 'Bad credentials: qop=auth needs nc and cnonce', headers: [] };
    const age = this.#nonceAge(creds.nonce);
    if (age === null) return this.#refuse('Unknown nonce');
    if (age > this.#o.nonceTtlMs) return this.#refuse('Stale nonce', true);
    if (this.#o.checkUri && !sameResource(creds.uri, request.uri)) return { ok: false, status: 400, reason: 'Credentials uri does not match the Request-URI', headers: [] };
    const password = await this.#o.lookup(creds.username, this.realm);
    // Compute even for an unknown user so timing does not reveal which usernames exist.
    const expected = computeDigest({ algorithm: creds.algorithm, username: creds.username, realm: this.realm, password: password ?? randomHex(16), nonce: creds.nonce, method: request.method, uri: creds.uri, qop: creds.qop, nc: creds.nc, cnonce: creds.cnonce });
    const a = Buffer.from(expected);
    const b = Buffer.from(creds.response.toLowerCase());
    const match = a.length === b.length && timingSafeEqual(a, b);
    if (!match || password === null) return { ok: false, status: 403, reason: 'Forbidden', headers: [] };
    const nc = parseInt(creds.nc, 16);
    const seen = this.#seen.get(creds.nonce);
    if (seen && nc <= seen.nc) return this.#refuse('Replayed nonce count', true);
    this.#remember(creds.nonce, nc, age);
    return { ok: true, username: creds.username, realm: this.realm };
  }

  #remember(nonce: string, nc: number, age: number): void {
    const now = this.#clock.now();
    this.#seen.set(nonce, { nc, issued: now - age });
    if (this.#seen.size > 10_000) {
      for (const [k, v] of this.#seen) if (now - v.issued > this.#o.nonceTtlMs) this.#seen.delete(k);
    }
  }

  /**
   * Middleware that lets a request through only with valid credentials (the username lands in
   * `req.locals.username`); everything else gets 401/407 with a fresh challenge, or 403/400.
   */
  middleware(options: { methods?: string[] } = {}): Middleware {
    const methods = options.methods?.map((m) => m.toUpperCase());
    return async (req, res, next) => {
      if (methods && !methods.includes(req.method)) return next();
      const verdict = await this.verify(req.request);
      if (!verdict.ok) {
        await res.send(verdict.status, { reason: verdict.reason, headers: verdict.headers });
        return;
      }
      req.locals.username = verdict.username;
      return next();
    };
  }
}

/** Whether two URIs name the same resource (scheme, user, host, port; parameters ignored). */
function sameResource(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    const x = parseUri(a);
    const y = parseUri(b);
    return x.scheme === y.scheme && x.user === y.user && x.host.toLowerCase() === y.host.toLowerCase() && x.port === y.port;
  } catch {
    return false;
  }
}
