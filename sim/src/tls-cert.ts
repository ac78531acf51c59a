import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GwsimError } from '@gwsim/common';

/**
 * A throw-away self-signed certificate (P-256, valid one day) for a node's TLS/WSS listeners, made with the
 * openssl CLI when the topology starts, so that no private key is ever committed or left on disk.
 */
export async function selfSignedCert(ips: string[], cn = 'gwsim'): Promise<{ key: string; cert: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'gwsim-tls-'));
  try {
    const san = ['DNS:localhost', ...ips.map((ip) => `IP:${ip}`)].join(',');
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', `/CN=${cn}`, '-addext', `subjectAltName=${san}`,
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ]);
    return { key: await readFile(join(dir, 'key.pem'), 'utf8'), cert: await readFile(join(dir, 'cert.pem'), 'utf8') };
  } catch (err) {
    throw new GwsimError('GWSIM_ERR_INVALID_CONFIG', `could not make a self-signed certificate with openssl (install openssl, or give the node tls.certFile and tls.keyFile): ${(err as Error).message}`, { cause: err });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
