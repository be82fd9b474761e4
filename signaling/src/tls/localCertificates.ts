import { execFileSync } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isIP } from 'node:net';
import { WILDCARD_ADDRESSES } from '../lanAddresses.ts';

/**
 * A certificate authority of this server's own and a server certificate it signs, made with
 * Debian's openssl. Tablets need a secure context for their cameras, so a city without a
 * certificate of its own installs this CA on its tablets once (README: "HTTPS on the LAN"), and
 * the server certificate is renewed here without touching them again: when the machine's names
 * or LAN addresses change, or a month before it expires.
 */
export interface LocalCertificates {
  /** The CA certificate to install on tablets and consoles (public, but kept 0600 like all of .data/: the server hands it out). */
  caFile: string;
  certFile: string;
  keyFile: string;
  /** The names and addresses the server certificate is valid for. */
  names: string[];
  /** SHA-256 fingerprint of the CA certificate, to compare on a tablet before trusting it. */
  caFingerprint: string;
  /** What happened now: a new CA (tablets must trust it), a new server certificate, or nothing. */
  made: 'authority' | 'server-certificate' | 'nothing';
}

/** Apple accepts at most 825 days for a certificate from a private CA; a year is renewed comfortably. */
const SERVER_DAYS = 397;
const CA_DAYS = 3650;
const RENEW_BEFORE_MS = 30 * 24 * 60 * 60 * 1000;

/** The names a tablet may use for this machine: localhost, its host name, and the given addresses. */
export function certificateNames(addresses: readonly string[], host = hostname()): string[] {
  return [...new Set(['localhost', host.toLowerCase(), '127.0.0.1', ...addresses])];
}

/**
 * The names for this server: its LAN addresses, the address it listens on and the one it announces
 * for media (a NAT or cloud address) when those are specific.
 */
export function serverCertificateNames(listenHost: string, announcedIp: string | undefined, lan: readonly string[]): string[] {
  const own = [listenHost, announcedIp].filter((address): address is string => Boolean(address) && !WILDCARD_ADDRESSES.has(address!));
  return certificateNames([...lan, ...own]);
}

function openssl(args: string[], input?: string): string {
  return execFileSync('openssl', args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

function writePrivate(file: string, content: string): void {
  writeFileSync(file, content, { mode: 0o600 });
  chmodSync(file, 0o600);
}

const subjectAltName = (names: readonly string[]) => names.map((name) => (isIP(name) ? `IP:${name}` : `DNS:${name}`)).join(',');

/** The names in a certificate's subjectAltName, as certificateNames() writes them. */
function namesOf(certificate: X509Certificate): string[] {
  return (certificate.subjectAltName ?? '')
    .split(', ')
    .map((entry) => entry.replace(/^(DNS|IP Address):/, ''))
    .filter(Boolean);
}

function makeAuthority(dir: string): void {
  const keyFile = join(dir, 'ca-key.pem');
  writePrivate(keyFile, openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']));
  const certificate = openssl([
    'req', '-x509', '-new', '-key', keyFile, '-days', String(CA_DAYS), '-sha256',
    '-subj', `/O=Madoguchi/CN=Madoguchi local CA (${hostname()})`,
    '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  writePrivate(join(dir, 'ca.pem'), certificate);
}

function makeServerCertificate(dir: string, names: readonly string[]): void {
  const keyFile = join(dir, 'server-key.pem');
  writePrivate(keyFile, openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']));
  const request = openssl(['req', '-new', '-key', keyFile, '-subj', `/O=Madoguchi/CN=${names[1] ?? names[0]}`]);
  const extensions = join(dir, 'server.ext');
  writeFileSync(
    extensions,
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth',
      `subjectAltName=${subjectAltName(names)}`,
    ].join('\n'),
  );
  try {
    const certificate = openssl(
      ['x509', '-req', '-CA', join(dir, 'ca.pem'), '-CAkey', join(dir, 'ca-key.pem'), '-set_serial', `0x${createHash('sha256').update(`${Date.now()}${Math.random()}`).digest('hex').slice(0, 16)}`, '-days', String(SERVER_DAYS), '-sha256', '-extfile', extensions],
      request,
    );
    // The chain (server then CA) lets a client that trusts the CA verify without fetching anything.
    writePrivate(join(dir, 'server.pem'), certificate + readFileSync(join(dir, 'ca.pem'), 'utf8'));
  } finally {
    rmSync(extensions, { force: true });
  }
}

/** Whether the server certificate in `dir` is signed by the CA there, covers `names` and is not about to expire. */
function serverCertificateFits(dir: string, names: readonly string[], now: number): boolean {
  const file = join(dir, 'server.pem');
  if (!existsSync(file) || !existsSync(join(dir, 'server-key.pem'))) return false;
  const certificate = new X509Certificate(readFileSync(file));
  const authority = new X509Certificate(readFileSync(join(dir, 'ca.pem')));
  if (!certificate.verify(authority.publicKey)) return false;
  if (Date.parse(certificate.validTo) - now < RENEW_BEFORE_MS) return false;
  const covered = new Set(namesOf(certificate));
  return names.every((name) => covered.has(name));
}

/**
 * Make sure `dir` holds a CA and a server certificate valid for `names`: made once, renewed when
 * needed, left alone otherwise (a second start takes a millisecond).
 */
export function ensureLocalCertificates(dir: string, names: readonly string[], now = Date.now()): LocalCertificates {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  let made: LocalCertificates['made'] = 'nothing';
  const authorityFile = join(dir, 'ca.pem');
  const authorityUsable =
    existsSync(authorityFile) && existsSync(join(dir, 'ca-key.pem')) && Date.parse(new X509Certificate(readFileSync(authorityFile)).validTo) - now > RENEW_BEFORE_MS;
  if (!authorityUsable) {
    makeAuthority(dir);
    made = 'authority';
  }
  if (made === 'authority' || !serverCertificateFits(dir, names, now)) {
    makeServerCertificate(dir, names);
    if (made === 'nothing') made = 'server-certificate';
  }
  const authority = new X509Certificate(readFileSync(authorityFile));
  return {
    caFile: authorityFile,
    certFile: join(dir, 'server.pem'),
    keyFile: join(dir, 'server-key.pem'),
    names: namesOf(new X509Certificate(readFileSync(join(dir, 'server.pem')))),
    caFingerprint: authority.fingerprint256,
    made,
  };
}
