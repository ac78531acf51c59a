import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A throw-away self-signed certificate (P-256, one day) naming the given IP addresses, made with the openssl
 * CLI when the test runs (Node 20 cannot issue X.509 certificates), so that no private key is committed.
 */
export function selfSignedCert(ips: string[]): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gwsim-endpoint-tls-'));
  try {
    const san = ips.map((ip) => `IP:${ip}`).join(',');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=gwsim-endpoint-test', '-addext', `subjectAltName=${san}`,
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'pipe' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
