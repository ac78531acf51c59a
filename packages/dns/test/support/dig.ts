/** Run the real `dig` (Debian dnsutils). Missing dig must fail the test, never skip it: CI installs it. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

export const DIG = '/usr/bin/dig';

export function requireDig(): void {
  if (!existsSync(DIG)) throw new Error(`${DIG} not found: install Debian package dnsutils (apt-get install dnsutils)`);
}

/** dig's full text output for `args` against server address:port, no recursion, short timeouts. */
export function dig(address: string, port: number, args: string[]): Promise<string> {
  requireDig();
  return new Promise((resolve, reject) => {
    execFile(DIG, [`@${address}`, '-p', String(port), '+norec', '+time=2', '+tries=1', ...args], { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`dig ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

/** The records of one section of dig's output, whitespace-normalised (`name ttl IN type rdata`). */
export function section(output: string, name: 'ANSWER' | 'AUTHORITY' | 'ADDITIONAL'): string[] {
  const start = output.indexOf(`;; ${name} SECTION:`);
  if (start < 0) return [];
  const lines = output.slice(start).split('\n').slice(1);
  const end = lines.findIndex((l) => l.trim() === '');
  return (end < 0 ? lines : lines.slice(0, end)).map((l) => l.trim().split(/\s+/).join(' '));
}

/** The flags dig printed (`qr aa rd ...`). */
export function flags(output: string): string[] {
  const m = /;; flags: ([^;]*);/.exec(output);
  return m ? m[1]!.trim().split(/\s+/) : [];
}

export function status(output: string): string | undefined {
  return /status: (\w+)/.exec(output)?.[1];
}
