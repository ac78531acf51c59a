/**
 * The dial targets cases ask for, by label: what the meeting (or the gateway behind it) must be set up to do.
 * The embedded topology has them all (fixtures/conformance/*.yaml); an external target gets them from
 * `--meeting <label>=<id>`, and a case whose label was not given is not applicable.
 */
export const TARGET_LABELS: Readonly<Record<string, string>> = Object.freeze({
  open: 'an active meeting whose host admits knocking callers (trusted callers join directly)',
  trust: 'an active meeting where nobody answers knocks (a trusted caller must join directly)',
  knock: 'an active meeting where nobody answers knocks (an untrusted caller waits in its lobby)',
  denies: 'an active meeting whose host denies knocking callers',
  ignores: 'an active meeting where nobody answers knocks until the knock timeout',
  empty: 'an active meeting with nobody in it to admit a knock',
  'video-locked': 'a meeting whose host has turned "Turn on their video" off',
  'lock-midcall': 'an active meeting that admits callers; the case switches its video lock on (embedded only)',
  'end-midcall': 'an active meeting that admits callers; the case ends it (embedded only)',
  'remove-midcall': 'an active meeting that admits callers; the case removes the caller (embedded only)',
  ended: 'a meeting that has ended',
  full: 'a meeting at its participant capacity',
  'out-of-scope': "a meeting whose organizer is outside the tenant's interoperability scope",
  'token-revoked': 'a meeting ID the gateway routes with a revoked Google Meet access token',
  'token-unknown': 'a meeting ID the gateway routes with a token Meet never issued',
  'interop-off': 'a meeting ID the gateway routes to an organization with interoperability off',
  'node-full': 'a meeting ID dialled at a node that has no capacity left',
  'meet-down': 'a meeting ID dialled at a node that cannot reach Meet',
  'meet-slow': 'a meeting ID dialled at a node whose Meet never answers',
  unknown: '13 digits that are no meeting (default 9999999999999)',
});
