export { parseAlias, type AliasScheme, type ParsedAlias } from './alias.ts';
export { isIPv4, isIPv6, isIpLiteral } from './ip.ts';
export {
  CALL_TYPES,
  CALLED_DEVICE_TYPES,
  LIMITS,
  RULE_DEFAULTS,
  VIRTUAL_RECEPTION_DEFAULTS,
  type CallRoutingRule,
  type CallRoutingRuleInput,
  type CallType,
  type CalledDeviceType,
  type GmsAccessToken,
  type IncomingProtocol,
  type RoutingConfig,
  type RoutingConfigInput,
  type RoutingRule,
  type RoutingVirtualReception,
  type VirtualReception,
  type VirtualReceptionInput,
} from './config.ts';
export { validateRoutingConfig } from './config-validate.ts';
export {
  compilePattern,
  compileTemplate,
  expandTemplate,
  RegexSyntaxError,
  translatePythonPattern,
  type CompiledPattern,
  type ReplaceTemplate,
  type TemplatePart,
} from './python-regex.ts';
export {
  findVirtualReception,
  matchRule,
  NO_MATCH_REASON,
  routeCall,
  ruleApplies,
  type GmsRoute,
  type IncomingCall,
  type NoMatch,
  type RouteDecision,
  type UnsupportedRoute,
  type VirtualReceptionRoute,
} from './route.ts';
export { defaultRules, DEFAULT_MEET_MATCH_STRING, type DefaultRulesOptions } from './default-rules.ts';
export { LONG_MEETING_ID, meetDialAddresses, type MeetDialAddresses, type MeetInteropSettings } from './dial-addresses.ts';
export {
  collectDigits,
  resolveEntry,
  startVirtualReception,
  stepVirtualReception,
  VR_DEFAULTS,
  type VrInput,
  type VrNotice,
  type VrOptions,
  type VrPhase,
  type VrRules,
  type VrState,
} from './virtual-reception.ts';
export { importPexipConfig, type PexipExport, type PexipImport } from './pexip-import.ts';
