import { systemClock, type Clock } from '@gwsim/common';
import type { IncomingRequest, Middleware } from './middleware.ts';
import { parseNameAddr } from './name-addr.ts';
import { formatUri, type SipUri } from './uri.ts';

export interface Binding {
  aor: string;
  contact: string;
  expiresAt: number;
  source: { address: string; port: number };
  /** Call-ID and CSeq of the REGISTER that made the binding (§10.3 step 7 ordering). */
  callId: string;
  cseq: number;
}

export interface RegistrarOptions {
  clock?: Clock;
  /** Seconds (RFC 3261 §10.3 step 7). */
  defaultExpires?: number;
  minExpires?: number;
  maxExpires?: number;
}

/** Address-of-record key: `user@host`, lower-cased host, no scheme or parameters. */
export function aorOf(uri: SipUri): string {
  return `${uri.user ?? ''}@${uri.host.toLowerCase()}`;
}

/**
 * A registrar (RFC 3261 §10.3) with in-memory bindings. Plug it in with `ua.use(registrar.middleware())`
 * or call `handle()` from an `onRequest` delegate; put a DigestAuthenticator's middleware in front of it to
 * require credentials.
 */
export class Registrar {
  readonly #bindings = new Map<string, Map<string, Binding>>();
  readonly #clock: Clock;
  readonly #default: number;
  readonly #min: number;
  readonly #max: number;

  constructor(options: RegistrarOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#default = options.defaultExpires ?? 3600;
    this.#min = options.minExpires ?? 60;
    this.#max = options.maxExpires ?? 7200;
  }

  /** Handle one REGISTER and respond. */
  handle(req: Pick<IncomingRequest, 'request' | 'source' | 'respond'>): void {
    const { request } = req;
    let aor: string;
    let callId: string;
    let cseq: number;
    try {
      aor = aorOf(request.to.uri);
      callId = request.callId;
      cseq = request.cseq.seq;
    } catch (err) {
      req.respond(400, { reason: `Bad request: ${(err as Error).message}` });
      return;
    }
    const headerExpires = request.headers.get('Expires');
    const contacts = request.headers.getAll('Contact');
    const now = this.#clock.now();
    if (contacts.length === 1 && contacts[0]!.trim() === '*') {
      // §10.3 step 6: Contact: * only with Expires: 0, and then removes every binding of the AOR.
      if (headerExpires?.trim() !== '0') return req.respond(400, { reason: 'Contact * requires Expires: 0' });
      const set = this.#bindings.get(aor);
      if (set && [...set.values()].some((b) => b.callId === callId && cseq <= b.cseq)) return req.respond(500, { reason: 'CSeq out of order' });
      this.#bindings.delete(aor);
      return req.respond(200);
    }
    if (contacts.some((c) => c.trim() === '*')) return req.respond(400, { reason: 'Contact * must be the only Contact' });
    const updates: Array<{ contact: string; expires: number }> = [];
    for (const c of contacts) {
      let na;
      try {
        na = parseNameAddr(c);
      } catch (err) {
        return req.respond(400, { reason: `Bad Contact: ${(err as Error).message}` });
      }
      const raw = na.params.get('expires') ?? headerExpires ?? String(this.#default);
      if (!/^\d+$/.test(raw.trim())) return req.respond(400, { reason: `Bad expires value "${raw}"` });
      const expires = Math.min(Number(raw), this.#max);
      if (expires !== 0 && expires < this.#min) return req.respond(423, { headers: [['Min-Expires', String(this.#min)]] });
      updates.push({ contact: formatUri(na.uri), expires });
    }
    let set = this.#bindings.get(aor);
    // §10.3 step 7: a binding from the same Call-ID is only changed by a higher CSeq.
    for (const u of updates) {
      const existing = set?.get(u.contact);
      if (existing && existing.callId === callId && cseq <= existing.cseq) return req.respond(500, { reason: 'CSeq out of order' });
    }
    for (const u of updates) {
      if (u.expires === 0) {
        set?.delete(u.contact);
        continue;
      }
      if (!set) this.#bindings.set(aor, (set = new Map()));
      set.set(u.contact, { aor, contact: u.contact, expiresAt: now + u.expires * 1000, source: req.source, callId, cseq });
    }
    if (set && set.size === 0) this.#bindings.delete(aor);
    const live = this.bindings(aor);
    req.respond(200, { headers: live.map((b) => ['Contact', `<${b.contact}>;expires=${Math.max(0, Math.round((b.expiresAt - now) / 1000))}`] as [string, string]) });
  }

  /** Middleware answering REGISTER; other methods pass through. */
  middleware(): Middleware {
    return (req, _res, next) => {
      if (req.method !== 'REGISTER') return next();
      this.handle(req);
    };
  }

  /** Live bindings of an AOR (expired ones are dropped). */
  bindings(aor: string): Binding[] {
    const set = this.#bindings.get(aor);
    if (!set) return [];
    const now = this.#clock.now();
    for (const [k, b] of set) if (b.expiresAt <= now) set.delete(k);
    if (set.size === 0) this.#bindings.delete(aor);
    return [...set.values()];
  }

  isRegistered(aor: string): boolean {
    return this.bindings(aor).length > 0;
  }

  dump(): Binding[] {
    return [...this.#bindings.keys()].flatMap((aor) => this.bindings(aor));
  }
}
