/**
 * Workspace tenants (DOMAIN.md §1): domain, interoperability settings and users (with OU and groups).
 * Pure state; every operation checks everything before it changes anything.
 */
import { ConfigError, fieldPath, parse } from '@gwsim/common';
import { MeetError } from './errors.ts';
import type { InteropSettings, TenantInfo, UserInfo } from './model.ts';
import { interopPatchSchema, tenantSpecSchema, userSpecSchema, type InteropPatch, type TenantSpec, type UserSpec } from './specs.ts';

export const DEFAULT_INTEROP: InteropSettings = Object.freeze({
  interopEnabled: true,
  scope: Object.freeze({ kind: 'everyone' as const }),
  meetingIdLength: 'long' as const,
});

interface TenantRecord {
  domain: string;
  interop: InteropSettings;
  users: Map<string, UserInfo>;
  createdAt: string;
}

function toUser(spec: UserSpec): UserInfo {
  return Object.freeze({
    email: spec.email.toLowerCase(),
    orgUnit: spec.orgUnit ?? '/',
    groups: Object.freeze((spec.groups ?? []).map((g) => g.toLowerCase())),
  });
}

function domainOf(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

function applyPatch(base: InteropSettings, patch: InteropPatch): InteropSettings {
  return Object.freeze({ ...base, ...patch });
}

export class TenantDirectory {
  readonly #tenants = new Map<string, TenantRecord>();
  readonly #now: () => Date;

  constructor(now: () => Date) {
    this.#now = now;
  }

  create(input: TenantSpec): TenantInfo {
    const spec = parse(tenantSpecSchema, input);
    const domain = spec.domain.toLowerCase();
    if (this.#tenants.has(domain)) throw new MeetError('TENANT_EXISTS', `Tenant ${domain} already exists.`);
    const users = new Map<string, UserInfo>();
    (spec.users ?? []).forEach((u, i) => {
      const user = toUser(u);
      const path = fieldPath(fieldPath('users', i), 'email');
      if (domainOf(user.email) !== domain) throw new ConfigError(path, `must be in the tenant's domain ${domain}`);
      if (users.has(user.email)) throw new ConfigError(path, `duplicate user ${user.email}`);
      users.set(user.email, user);
    });
    const record: TenantRecord = {
      domain,
      interop: applyPatch(DEFAULT_INTEROP, spec.interop ?? {}),
      users,
      createdAt: this.#now().toISOString(),
    };
    this.#tenants.set(domain, record);
    return this.#view(record);
  }

  get(domain: string): TenantInfo {
    return this.#view(this.#record(domain));
  }

  has(domain: string): boolean {
    return this.#tenants.has(domain.toLowerCase());
  }

  updateInterop(domain: string, input: InteropPatch): TenantInfo {
    const record = this.#record(domain);
    const patch = parse(interopPatchSchema, input);
    record.interop = applyPatch(record.interop, patch);
    return this.#view(record);
  }

  addUser(domain: string, input: UserSpec): UserInfo {
    const record = this.#record(domain);
    const user = toUser(parse(userSpecSchema, input));
    if (domainOf(user.email) !== record.domain) throw new ConfigError('email', `must be in the tenant's domain ${record.domain}`);
    if (record.users.has(user.email)) throw new MeetError('USER_EXISTS', `User ${user.email} already exists.`);
    record.users.set(user.email, user);
    return user;
  }

  /** The user with this email in the tenant of its domain, if any. */
  findUser(email: string): { tenant: string; user: UserInfo } | undefined {
    const lower = email.toLowerCase();
    const record = this.#tenants.get(domainOf(lower));
    const user = record?.users.get(lower);
    return record && user ? { tenant: record.domain, user } : undefined;
  }

  interopOf(domain: string): InteropSettings | undefined {
    return this.#tenants.get(domain.toLowerCase())?.interop;
  }

  list(): TenantInfo[] {
    return [...this.#tenants.values()].map((r) => this.#view(r));
  }

  #record(domain: string): TenantRecord {
    const record = this.#tenants.get(domain.toLowerCase());
    if (!record) throw new MeetError('TENANT_NOT_FOUND', `No tenant ${domain}.`);
    return record;
  }

  #view(r: TenantRecord): TenantInfo {
    return Object.freeze({ domain: r.domain, interop: r.interop, users: Object.freeze([...r.users.values()]), createdAt: r.createdAt });
  }
}
