/**
 * Incoming call routing, Pexip's service precedence: an alias that belongs to a service (here: a Virtual
 * Reception) goes to it; otherwise Call Routing Rules are checked in ascending priority and the first enabled
 * rule whose filters and regex match wins. Nothing matches → "Neither conference nor gateway found".
 */
import { parseAlias, type ParsedAlias } from './alias.ts';
import type { GmsAccessToken, IncomingProtocol, RoutingConfig, RoutingRule, RoutingVirtualReception } from './config.ts';
import { expandTemplate } from './python-regex.ts';

export const NO_MATCH_REASON = 'Neither conference nor gateway found';

export interface IncomingCall {
  /** The destination alias as received (Request-URI, or the alias a WebRTC client dialled). */
  readonly alias: string;
  readonly protocol: IncomingProtocol;
  /** The caller is registered to this node. */
  readonly registered: boolean;
  /** Location of the node handling the call. */
  readonly location?: string;
}

/** Routed to a Google Meet meeting: join `destination` with `token`. */
export interface GmsRoute {
  readonly kind: 'gms';
  readonly rule: RoutingRule;
  /** The alias after replace_string (normally the 13-digit meeting ID). */
  readonly destination: string;
  readonly token: GmsAccessToken;
  readonly treatAsTrusted: boolean;
  /** null = automatic. */
  readonly outgoingLocation: string | null;
  readonly alias: ParsedAlias;
}

/** A rule matched, but its call target is not Google Meet (gwsim routes only gms_conference). */
export interface UnsupportedRoute {
  readonly kind: 'unsupported';
  readonly rule: RoutingRule;
  readonly destination: string;
  readonly alias: ParsedAlias;
}

/** The alias belongs to a Virtual Reception: collect a meeting ID by DTMF, then route the entry again. */
export interface VirtualReceptionRoute {
  readonly kind: 'virtual_reception';
  readonly reception: RoutingVirtualReception;
  readonly alias: ParsedAlias;
}

export interface NoMatch {
  readonly kind: 'no_match';
  readonly reason: typeof NO_MATCH_REASON;
  readonly alias: ParsedAlias;
}

export type RouteDecision = GmsRoute | UnsupportedRoute | VirtualReceptionRoute | NoMatch;

function protocolAllowed(rule: RoutingRule, protocol: IncomingProtocol): boolean {
  switch (protocol) {
    case 'sip':
      return rule.match_incoming_sip;
    case 'h323':
      return rule.match_incoming_h323;
    case 'mssip':
      return rule.match_incoming_mssip;
    case 'webrtc':
      return rule.match_incoming_webrtc;
    default:
      return false;
  }
}

/** The non-regex filters of a rule (enable, direction, protocol, registration, source location). */
export function ruleApplies(rule: RoutingRule, call: IncomingCall): boolean {
  return (
    rule.enable &&
    rule.match_incoming_calls &&
    protocolAllowed(rule, call.protocol) &&
    (!rule.match_incoming_only_if_registered || call.registered === true) &&
    (rule.match_source_location === null || rule.match_source_location === call.location)
  );
}

/** Match one rule's regex against the alias; returns the destination, or null when it does not match. */
export function matchRule(rule: RoutingRule, alias: ParsedAlias): string | null {
  const subject = rule.match_string_full ? alias.raw.trim() : alias.parsed;
  const match = rule.pattern.regex.exec(subject);
  if (match === null) return null;
  return rule.replacement === null ? subject : expandTemplate(rule.replacement, match);
}

export function findVirtualReception(config: RoutingConfig, alias: ParsedAlias): RoutingVirtualReception | null {
  const key = alias.parsed.toLowerCase();
  if (key === '') return null;
  return config.virtual_receptions.find((vr) => vr.aliasKey === key) ?? null;
}

export function routeCall(config: RoutingConfig, call: IncomingCall): RouteDecision {
  const alias = parseAlias(call.alias);
  const reception = findVirtualReception(config, alias);
  if (reception !== null) return { kind: 'virtual_reception', reception, alias };
  for (const rule of config.rules) {
    if (!ruleApplies(rule, call)) continue;
    const destination = matchRule(rule, alias);
    if (destination === null) continue;
    if (rule.called_device_type !== 'gms_conference' || rule.token === null) {
      return { kind: 'unsupported', rule, destination, alias };
    }
    return {
      kind: 'gms',
      rule,
      destination,
      token: rule.token,
      treatAsTrusted: rule.treat_as_trusted,
      outgoingLocation: rule.outgoing_location,
      alias,
    };
  }
  return { kind: 'no_match', reason: NO_MATCH_REASON, alias };
}
