/**
 * The typical pair of Google Meet rules (DOMAIN.md §3, a gwsim convention built from documented fields):
 * priority 10 for registered callers with the trusted token, priority 20 for everyone with the untrusted
 * token, both replacing the alias by the 13-digit meeting ID (`\1`).
 */
import type { CallRoutingRuleInput } from './config.ts';

export const DEFAULT_MEET_MATCH_STRING = '(\\d{13})(@.*)?';

export interface DefaultRulesOptions {
  /** Name of the trusted GmsAccessToken. */
  readonly trustedToken: string;
  /** Name of the untrusted GmsAccessToken. */
  readonly untrustedToken: string;
  readonly matchString?: string;
  readonly replaceString?: string;
  readonly trustedPriority?: number;
  readonly untrustedPriority?: number;
}

/** Rule inputs for validateRoutingConfig({ gms_access_tokens, rules: defaultRules(...) }). */
export function defaultRules(options: DefaultRulesOptions): CallRoutingRuleInput[] {
  const matchString = options.matchString ?? DEFAULT_MEET_MATCH_STRING;
  const replaceString = options.replaceString ?? '\\1';
  return [
    {
      priority: options.trustedPriority ?? 10,
      name: 'Google Meet (registered, trusted)',
      match_incoming_only_if_registered: true,
      match_string: matchString,
      replace_string: replaceString,
      called_device_type: 'gms_conference',
      gms_access_token: options.trustedToken,
      treat_as_trusted: true,
    },
    {
      priority: options.untrustedPriority ?? 20,
      name: 'Google Meet (everyone, untrusted)',
      match_string: matchString,
      replace_string: replaceString,
      called_device_type: 'gms_conference',
      gms_access_token: options.untrustedToken,
    },
  ];
}
