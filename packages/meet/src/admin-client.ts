/**
 * MeetAdminClient: typed calls to the admin/host API, for tests, the CLI and scenario loading. Unlike the
 * gateway client it throws: a refused call is a MeetAdminError carrying the HTTP status, the stable API code
 * and, for bad input, the field path.
 */
import { GwsimError, TimeoutError } from '@gwsim/common';
import { errorBody, fetchJson, joinUrl } from './http-fetch.ts';
import { ADMIN_KEY_HEADER } from './http-io.ts';
import type { CreatedToken, MeetingSnapshot, ParticipantView, TenantInfo, TokenInfo, UserInfo } from './model.ts';
import type { HostPatch, InteropPatch, MeetingSpec, TenantSpec, TokenSpec, UserSpec } from './specs.ts';

export interface MeetAdminClientOptions {
  baseUrl: string;
  adminKey: string;
  timeoutMs?: number;
}

export class MeetAdminError extends GwsimError {
  readonly status: number;
  readonly apiCode: string;
  readonly path: string | undefined;

  constructor(status: number, apiCode: string, message: string, path?: string) {
    super('GWSIM_ERR_HTTP', `${apiCode} (HTTP ${status}): ${message}`);
    this.status = status;
    this.apiCode = apiCode;
    this.path = path;
    this.name = 'MeetAdminError';
  }
}

const seg = encodeURIComponent;

export class MeetAdminClient {
  readonly baseUrl: string;
  readonly #adminKey: string;
  readonly #timeoutMs: number;

  constructor(options: MeetAdminClientOptions) {
    this.baseUrl = options.baseUrl;
    this.#adminKey = options.adminKey;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  listTenants(): Promise<TenantInfo[]> {
    return this.#call<{ tenants: TenantInfo[] }>('GET', '/admin/v1/tenants').then((r) => r.tenants);
  }

  createTenant(spec: TenantSpec): Promise<TenantInfo> {
    return this.#call('POST', '/admin/v1/tenants', spec);
  }

  getTenant(domain: string): Promise<TenantInfo> {
    return this.#call('GET', `/admin/v1/tenants/${seg(domain)}`);
  }

  updateInterop(domain: string, patch: InteropPatch): Promise<TenantInfo> {
    return this.#call('PATCH', `/admin/v1/tenants/${seg(domain)}`, patch);
  }

  addUser(domain: string, user: UserSpec): Promise<UserInfo> {
    return this.#call('POST', `/admin/v1/tenants/${seg(domain)}/users`, user);
  }

  /** The only answer that carries the token's secret. */
  createToken(domain: string, spec: TokenSpec): Promise<CreatedToken> {
    return this.#call('POST', `/admin/v1/tenants/${seg(domain)}/tokens`, spec);
  }

  listTokens(domain: string): Promise<TokenInfo[]> {
    return this.#call<{ tokens: TokenInfo[] }>('GET', `/admin/v1/tenants/${seg(domain)}/tokens`).then((r) => r.tokens);
  }

  revokeToken(id: string): Promise<TokenInfo> {
    return this.#call('POST', `/admin/v1/tokens/${seg(id)}/revoke`);
  }

  listMeetings(): Promise<MeetingSnapshot[]> {
    return this.#call<{ meetings: MeetingSnapshot[] }>('GET', '/admin/v1/meetings').then((r) => r.meetings);
  }

  createMeeting(spec: MeetingSpec): Promise<MeetingSnapshot> {
    return this.#call('POST', '/admin/v1/meetings', spec);
  }

  /** By long ID, short ID or meeting code. */
  getMeeting(id: string): Promise<MeetingSnapshot> {
    return this.#call('GET', `/admin/v1/meetings/${seg(id)}`);
  }

  endMeeting(id: string): Promise<MeetingSnapshot> {
    return this.#call('POST', `/admin/v1/meetings/${seg(id)}/end`);
  }

  setHost(id: string, patch: HostPatch): Promise<MeetingSnapshot> {
    return this.#call('PATCH', `/admin/v1/meetings/${seg(id)}/host`, patch);
  }

  admit(meetingId: string, participantId: string): Promise<ParticipantView> {
    return this.#call('POST', `/admin/v1/meetings/${seg(meetingId)}/lobby/${seg(participantId)}/admit`);
  }

  deny(meetingId: string, participantId: string): Promise<ParticipantView> {
    return this.#call('POST', `/admin/v1/meetings/${seg(meetingId)}/lobby/${seg(participantId)}/deny`);
  }

  removeParticipant(meetingId: string, participantId: string): Promise<ParticipantView> {
    return this.#call('POST', `/admin/v1/meetings/${seg(meetingId)}/participants/${seg(participantId)}/remove`);
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const outcome = await fetchJson(joinUrl(this.baseUrl, path), {
      method,
      headers: { [ADMIN_KEY_HEADER]: this.#adminKey },
      body,
      timeoutMs: this.#timeoutMs,
    });
    if (outcome.kind === 'timeout') throw new TimeoutError(`Meet admin ${method} ${path} got no answer within ${this.#timeoutMs} ms`);
    if (outcome.kind === 'unreachable') {
      throw new GwsimError('GWSIM_ERR_TRANSPORT', `Meet admin ${method} ${path}: service unreachable`, { cause: outcome.error });
    }
    if (outcome.status >= 200 && outcome.status < 300 && !outcome.malformed) return outcome.body as T;
    const error = errorBody(outcome.body);
    throw new MeetAdminError(outcome.status, error?.code ?? 'MALFORMED_RESPONSE', error?.message ?? `unexpected answer to ${method} ${path}`, error?.path);
  }
}
