/**
 * gwsim's WebRTC legs never leave loopback: every simulated host has its own 127.x.y.z address (or ::1), and
 * ICE only ever pairs with candidates on loopback. These checks guard the edges.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { ConfigError } from '@gwsim/common';

/** 127.0.0.0/8 or ::1 (also as an IPv4-mapped address). */
export function isLoopbackAddress(address: string): boolean {
  if (isIPv4(address)) return address.startsWith('127.');
  if (!isIPv6(address)) return false;
  const lower = address.toLowerCase();
  return lower === '::1' || lower === '0:0:0:0:0:0:0:1' || (lower.startsWith('::ffff:') && isLoopbackAddress(lower.slice(7)));
}

/** Throws ConfigError(`path`) unless `address` is a loopback IP literal. */
export function requireLoopbackAddress(address: string, path = 'address'): string {
  if (typeof address !== 'string' || !isLoopbackAddress(address)) {
    throw new ConfigError(path, `must be a loopback IP address (127.x.y.z or ::1): WebRTC legs never leave loopback, got ${JSON.stringify(address)}`);
  }
  return address;
}
