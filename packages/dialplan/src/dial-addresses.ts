/**
 * The SIP join addresses Google generates for a meeting from the tenant's interoperability settings
 * (DOMAIN.md §1): `sip:<id>@<gateway hostname>`, `<id>@<gateway IP>`, `<id>@<SfB gateway>`. Only long
 * (13-digit) meeting IDs get SIP addresses; short IDs get none, so the meeting ID prefix (which only ever
 * applies to short IDs) never appears in one.
 */
import { GwsimError } from '@gwsim/common';
import { isIPv4, isIPv6 } from './ip.ts';

export interface MeetInteropSettings {
  readonly meetingIdLength: 'long' | 'short';
  readonly gatewayIp?: string;
  readonly gatewayHostname?: string;
  readonly sfbHostname?: string;
  /** Should be blank; only applied to short IDs, which get no SIP addresses. */
  readonly meetingIdPrefix?: string;
}

export interface MeetDialAddresses {
  readonly sip?: string;
  readonly ip?: string;
  readonly sfb?: string;
}

export const LONG_MEETING_ID = /^\d{13}$/;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

function invalid(message: string): GwsimError {
  return new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', message);
}

function checkHostname(value: string | undefined, field: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!HOSTNAME.test(value)) throw invalid(`${field} ${JSON.stringify(value)} is not a valid DNS hostname`);
  return value;
}

export function meetDialAddresses(settings: MeetInteropSettings, meetingId: string): MeetDialAddresses {
  const hostname = checkHostname(settings.gatewayHostname, 'gatewayHostname');
  const sfb = checkHostname(settings.sfbHostname, 'sfbHostname');
  let ip: string | undefined;
  if (settings.gatewayIp !== undefined && settings.gatewayIp !== '') {
    if (isIPv4(settings.gatewayIp)) ip = settings.gatewayIp;
    else if (isIPv6(settings.gatewayIp)) ip = `[${settings.gatewayIp}]`;
    else if (/^\[.*\]$/.test(settings.gatewayIp) && isIPv6(settings.gatewayIp.slice(1, -1))) ip = settings.gatewayIp;
    else throw invalid(`gatewayIp ${JSON.stringify(settings.gatewayIp)} is not an IPv4 or IPv6 address`);
  }
  if (settings.meetingIdLength === 'short') return {};
  if (!LONG_MEETING_ID.test(meetingId)) {
    throw invalid(`meeting ID ${JSON.stringify(meetingId)} is not a long meeting ID (exactly 13 digits)`);
  }
  const out: { sip?: string; ip?: string; sfb?: string } = {};
  if (hostname !== undefined) out.sip = `sip:${meetingId}@${hostname}`;
  if (ip !== undefined) out.ip = `${meetingId}@${ip}`;
  if (sfb !== undefined) out.sfb = `${meetingId}@${sfb}`;
  return out;
}
