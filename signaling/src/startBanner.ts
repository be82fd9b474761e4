import { relative, sep } from 'node:path';
import { demoAccountsFileFor } from '@madoguchi/db';
import { DEMO_DEVICE_TOKENS_FILE, REPO_ROOT, type Config } from './config.ts';
import { lanAddresses, WILDCARD_ADDRESSES } from './lanAddresses.ts';
import type { LocalCertificates } from './tls/localCertificates.ts';
import { CA_PATH } from './web/tlsPort.ts';

export interface StartBannerInput {
  config: Pick<Config, 'host' | 'databaseUrl' | 'media'>;
  /** The server's own URL (on a wildcard host: the loopback one). */
  url: string;
  /** The media workers' ports, as words. */
  mediaPorts: string;
  /** From the process's start to serving (milliseconds). */
  readyMs: number;
  /** This machine's LAN addresses (injected by tests). */
  lan?: string[];
  /** The server's own CA, when it serves HTTPS with it: tablets must trust it once. */
  localCertificates?: Pick<LocalCertificates, 'caFile' | 'caFingerprint' | 'made'>;
}

/** What `npm start` prints: where the tablet, the console and the media are, and where the demo's secrets are. */
export function startBanner({ config, url, mediaPorts, readyMs, lan = lanAddresses(), localCertificates }: StartBannerInput): string {
  // Listening on every interface: the tablets are elsewhere on the LAN, so show the addresses they can reach.
  const origins = WILDCARD_ADDRESSES.has(config.host) && lan.length > 0 ? lan.map((address) => withHost(url, address)) : [url];
  const at = (path: string) => origins.map((origin) => `${origin}${path}`).join('  ');
  const shown = (file: string) => (file.startsWith(REPO_ROOT + sep) ? relative(REPO_ROOT, file) : file);
  const { listenIp, announcedIp } = config.media;
  return `
Madoguchi リモート窓口 is running (ready ${(readyMs / 1000).toFixed(2)} s after the process started)
  Tablet (kiosk)      ${at('/kiosk/')}
  Operator console    ${at('/console/')}
  API                 ${at('/api/health')}
  Media (mediasoup)   ${listenIp}${announcedIp ? ` announced as ${announcedIp}` : ''}: ${mediaPorts}
Demo accounts:        ${shown(demoAccountsFileFor(config.databaseUrl))}
Tablet tokens:        ${shown(DEMO_DEVICE_TOKENS_FILE)} (written by npm run setup; paste a token into /kiosk/ once)
${localCertificates ? authorityLines(localCertificates, origins.map((origin) => origin.replace(/^https:/, 'http:') + CA_PATH)) : ''}`;
}

/** How a tablet comes to trust this server's own CA (README: "HTTPS on the LAN"). */
function authorityLines({ caFile, caFingerprint, made }: NonNullable<StartBannerInput['localCertificates']>, downloads: string[]): string {
  const news = made === 'authority' ? '  (NEW: every tablet and console must trust it again)' : '';
  return `HTTPS certificate:    signed by this server's own CA ${caFile}${news}
  install it on each tablet from  ${downloads.join('  ')}
  and check its SHA-256 fingerprint ${caFingerprint}
`;
}

function withHost(url: string, host: string): string {
  const parsed = new URL(url);
  parsed.hostname = host;
  return parsed.origin;
}
