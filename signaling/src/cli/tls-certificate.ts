/**
 * Make (or renew) the server's own CA and HTTPS certificate in .data/tls/, as `npm start` would,
 * and say how tablets come to trust it. Run by `npm run setup`; harmless to run again.
 *   npm run tls-certificate -w signaling
 */
import { loadConfig } from '../config.ts';
import { lanAddresses } from '../lanAddresses.ts';
import { ensureLocalCertificates, serverCertificateNames } from '../tls/localCertificates.ts';

const config = loadConfig();
if (config.tls.mode !== 'local') {
  console.log(config.tls.mode === 'off' ? 'TLS=off: plain HTTP, no certificate made' : `using the certificate in ${config.tls.certFile}`);
} else {
  const made = ensureLocalCertificates(config.tls.dir, serverCertificateNames(config.host, config.media.announcedIp, lanAddresses()));
  const what = { authority: 'new CA and server certificate', 'server-certificate': 'server certificate renewed (same CA)', nothing: 'up to date' }[made.made];
  console.log(`${what}: valid for ${made.names.join(', ')}`);
  console.log(`CA to install on tablets: ${made.caFile}\n  SHA-256 ${made.caFingerprint}`);
}
