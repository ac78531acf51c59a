import { systemClock, type Clock } from '@gwsim/common';
import { formatUri, parseNameAddr, type IncomingRequest, type SipUri } from '@gwsim/sip';

export interface Binding {
  aor: string;
  contact: string;
  expiresAt: number;
  source: { address: string; port: number };
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
 * A registrar (RFC 3261 §10.3) with in-memory bindings. A caller whose From AOR has a live binding counts as
 * registered, which is what Pexip's `match_incoming_only_if_registered` rules select on.
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
  handle(req: IncomingRequest): void {
    const { request } = req;
    let aor: string;
    try {
      aor = aorOf(request.to.uri);
    } catch (err) {
      req.respond(400, { reason: `Bad To header: ${(err as Error).message}` });
      return;
    }
    const headerExpires = request.headers.get('Expires');
    const contacts = request.headers.getAll('Contact');
    const now = this.#clock.now();
    if (contacts.length === 1 && contacts[0]!.trim() === '*') {
      if (headerExpires?.trim() !== '0') return req.respond(400, { reason: 'Contact * requires Expires: 0' });
      this.#bindings.delete(aor);
      return req.respond(200);
    }
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
    for (const u of updates) {
      if (u.expires === 0) {
        set?.delete(u.contact);
        continue;
      }
      if (!set) this.#bindings.set(aor, (set = new Map()));
      set.set(u.contact, { aor, contact: u.contact, expiresAt: now + u.expires * 1000, source: req.source });
    }
    if (set && set.size === 0) this.#bindings.delete(aor);
    const live = this.bindings(aor);
    req.respond(200, { headers: live.map((b) => ['Contact', `<${b.contact}>;expires=${Math.max(0, Math.round((b.expiresAt - now) / 1000))}`] as [string, string]) });
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
