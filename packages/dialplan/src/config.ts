/**
 * Conferencing Node routing configuration (DOMAIN.md §3): Google Meet access tokens, Call Routing Rules and
 * Virtual Receptions, with Pexip's field names and defaults. Inputs are the loose `*Input` shapes; the
 * validator (config-validate.ts) turns them into the frozen, compiled `RoutingConfig` used by routeCall.
 */
import type { CompiledPattern, ReplaceTemplate } from './python-regex.ts';

/** Pexip's "Call target" values. Only `gms_conference` ("Google Meet meeting") is routed to Meet by gwsim. */
export const CALLED_DEVICE_TYPES = [
  'external',
  'registration',
  'mssip_conference_id',
  'mssip_server',
  'gms_conference',
  'teams_conference',
] as const;
export type CalledDeviceType = (typeof CALLED_DEVICE_TYPES)[number];

/** Pexip's "Maximum call capability". */
export const CALL_TYPES = ['video', 'audio', 'auto'] as const;
export type CallType = (typeof CALL_TYPES)[number];

export type IncomingProtocol = 'sip' | 'h323' | 'mssip' | 'webrtc';

export const LIMITS = {
  tokenName: 32,
  tokenSecret: 100,
  text: 250,
  priorityMin: 1,
  priorityMax: 200,
  /** Bandwidth caps in kbps, Pexip's admin bounds. */
  callrateMin: 128,
  callrateMax: 8192,
} as const;

/** A Google Meet interoperability access token as configured on the node; rules name it by `name`. */
export interface GmsAccessToken {
  readonly name: string;
  readonly token: string;
}

/** A Call Routing Rule with every field resolved (Pexip defaults applied). */
export interface CallRoutingRule {
  readonly priority: number;
  readonly enable: boolean;
  readonly name: string;
  readonly description: string;
  readonly match_incoming_calls: boolean;
  readonly match_incoming_sip: boolean;
  readonly match_incoming_h323: boolean;
  readonly match_incoming_mssip: boolean;
  readonly match_incoming_webrtc: boolean;
  readonly match_incoming_only_if_registered: boolean;
  /** Only calls handled by a node in this location; null = any location. */
  readonly match_source_location: string | null;
  /** Python-flavoured regex that must match the whole alias (case-insensitive). */
  readonly match_string: string;
  /** Match the raw alias instead of the parsed form. */
  readonly match_string_full: boolean;
  /** `re.sub` template; '' keeps the alias as matched. */
  readonly replace_string: string;
  readonly called_device_type: CalledDeviceType;
  /** Location whose nodes place the outbound leg; null = automatic. */
  readonly outgoing_location: string | null;
  /** Name of a GmsAccessToken; required when called_device_type is gms_conference. */
  readonly gms_access_token: string | null;
  readonly treat_as_trusted: boolean;
  readonly call_type: CallType;
  /** kbps; null = no cap. */
  readonly max_callrate_in: number | null;
  readonly max_callrate_out: number | null;
}

type RuleRequired = 'priority' | 'name' | 'match_string';

/** Rule as written in a config file: only priority, name and match_string are required. */
export type CallRoutingRuleInput = Pick<CallRoutingRule, RuleRequired> & Partial<Omit<CallRoutingRule, RuleRequired>>;

/** Pexip's defaults for omitted rule fields. */
export const RULE_DEFAULTS: Omit<CallRoutingRule, RuleRequired> = Object.freeze({
  enable: true,
  description: '',
  match_incoming_calls: true,
  match_incoming_sip: true,
  match_incoming_h323: true,
  match_incoming_mssip: true,
  match_incoming_webrtc: true,
  match_incoming_only_if_registered: false,
  match_source_location: null,
  match_string_full: false,
  replace_string: '',
  called_device_type: 'external',
  outgoing_location: null,
  gms_access_token: null,
  treat_as_trusted: false,
  call_type: 'video',
  max_callrate_in: null,
  max_callrate_out: null,
});

/** A Virtual Reception (IVR) with every field resolved. */
export interface VirtualReception {
  readonly name: string;
  /** The alias callers dial to reach the IVR (compared with the parsed alias, case-insensitively). */
  readonly alias: string;
  readonly gms_access_token: string | null;
  /** Regex the entered digits must match as a whole; '' accepts any entry. */
  readonly match_string: string;
  /** `re.sub` template applied to the entry; '' keeps the entry. */
  readonly post_match_string: string;
}

export type VirtualReceptionInput = Pick<VirtualReception, 'name' | 'alias'> &
  Partial<Omit<VirtualReception, 'name' | 'alias'>>;

export const VIRTUAL_RECEPTION_DEFAULTS: Omit<VirtualReception, 'name' | 'alias'> = Object.freeze({
  gms_access_token: null,
  match_string: '',
  post_match_string: '',
});

export interface RoutingConfigInput {
  gms_access_tokens?: GmsAccessToken[];
  rules?: CallRoutingRuleInput[];
  virtual_receptions?: VirtualReceptionInput[];
}

/** A validated rule: resolved fields plus its compiled regex, template and token. */
export interface RoutingRule extends CallRoutingRule {
  /** Position in the input `rules` array. */
  readonly index: number;
  /** `rules[1](name="untrusted")`, as used in error paths and traces. */
  readonly label: string;
  readonly pattern: CompiledPattern;
  /** null when replace_string is blank. */
  readonly replacement: ReplaceTemplate | null;
  readonly token: GmsAccessToken | null;
}

export interface RoutingVirtualReception extends VirtualReception {
  readonly index: number;
  readonly label: string;
  /** The parsed form of `alias`, lower-cased, for service matching. */
  readonly aliasKey: string;
  readonly pattern: CompiledPattern | null;
  readonly postMatch: ReplaceTemplate | null;
  readonly token: GmsAccessToken | null;
}

/** The frozen result of validateRoutingConfig. `rules` are in ascending priority. */
export interface RoutingConfig {
  readonly gms_access_tokens: readonly GmsAccessToken[];
  readonly rules: readonly RoutingRule[];
  readonly virtual_receptions: readonly RoutingVirtualReception[];
}
