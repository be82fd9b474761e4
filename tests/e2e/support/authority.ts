import { X509Certificate, createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureLocalCertificates } from '../../../signaling/src/tls/localCertificates.ts';

/**
 * One certificate authority for the whole e2e run, standing for the one a city installs on its
 * tablets: made by the same code as the server's (TLS=local), trusted by the test process through
 * NODE_EXTRA_CA_CERTS (set in globalSetup, so every worker inherits it), and copied into each
 * server's data folder so that the server signs its own certificate with it, as after set-up.
 */
function authorityDir(): string {
  const dir = process.env.MADOGUCHI_E2E_AUTHORITY;
  if (!dir) throw new Error('the e2e CA is made by globalSetup (playwright.config.ts); run the tests through Playwright');
  return dir;
}

/** Make the run's CA; returns its folder (removed by the returned function). */
export function makeAuthority(): { dir: string; caFile: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'madoguchi-e2e-authority-'));
  return { dir, caFile: ensureLocalCertificates(dir, ['localhost']).caFile, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Put the run's CA where a server with DATA_DIR=`dataDir` and TLS=local finds it. */
export function installAuthority(dataDir: string): void {
  const tlsDir = join(dataDir, 'tls');
  mkdirSync(tlsDir, { recursive: true, mode: 0o700 });
  for (const file of ['ca.pem', 'ca-key.pem']) copyFileSync(join(authorityDir(), file), join(tlsDir, file));
}

/** Chromium's flag that makes it trust certificates chaining to the run's CA (its public key's SHA-256). */
export function trustAuthorityFlag(): string {
  const authority = new X509Certificate(readFileSync(join(authorityDir(), 'ca.pem')));
  const spki = authority.publicKey.export({ type: 'spki', format: 'der' });
  return `--ignore-certificate-errors-spki-list=${createHash('sha256').update(spki).digest('base64')}`;
}
