import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, REPO_ROOT } from '../src/config.ts';
import { lanAddresses } from '../src/lanAddresses.ts';
import { startBanner } from '../src/startBanner.ts';

const root = mkdtempSync(join(tmpdir(), 'madoguchi-config-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const load = (env: Record<string, string>) => loadConfig({ JWT_SECRET: 'config-test-secret-0123456789abcdef', ...env }, root);

describe('start-up configuration', () => {
  it('refuses media listening on every interface without an address to announce, as every call would hang', () => {
    for (const listenIp of ['0.0.0.0', '::']) {
      expect(() => load({ MEDIA_LISTEN_IP: listenIp })).toThrow(`MEDIA_LISTEN_IP=${listenIp} needs MEDIA_ANNOUNCED_IP`);
    }
    expect(load({ MEDIA_LISTEN_IP: '0.0.0.0', MEDIA_ANNOUNCED_IP: '192.168.1.10' }).media).toMatchObject({ listenIp: '0.0.0.0', announcedIp: '192.168.1.10' });
    expect(load({ MEDIA_LISTEN_IP: '192.168.1.10' }).media).toMatchObject({ listenIp: '192.168.1.10', announcedIp: undefined });
    expect(load({}).media).toMatchObject({ listenIp: '127.0.0.1', announcedIp: undefined });
  });

  it('resolves the default paths under the root: stills in .data/stills', () => {
    expect(load({}).stills.dir).toBe(join(root, '.data', 'stills'));
    expect(load({ STILLS_DIR: '/srv/stills' }).stills.dir).toBe('/srv/stills');
  });
});

describe('the start banner', () => {
  const media = { workers: 1, listenIp: '127.0.0.1', port: 40000, forceRelay: false };
  const banner = (host: string, lan: string[]) =>
    startBanner({ config: { host, databaseUrl: `file:${join(REPO_ROOT, '.data/madoguchi.db')}`, media }, url: 'http://127.0.0.1:8080', mediaPorts: 'udp 40000 / tcp 40000', readyMs: 1234, lan });

  it('names the files of the demo accounts and of the tablet tokens', () => {
    const text = banner('127.0.0.1', ['192.168.1.20']);
    expect(text).toMatch(/^Demo accounts: +\.data\/demo-accounts\.txt$/m);
    expect(text).toMatch(/^Tablet tokens: +\.data\/device-tokens\.txt /m);
    expect(text).toContain('Tablet (kiosk)      http://127.0.0.1:8080/kiosk/\n');
    expect(text).toContain('is running (ready 1.23 s after the process started)\n');
  });

  it('on HOST=0.0.0.0, shows the LAN addresses the tablets can reach instead of the loopback', () => {
    const text = banner('0.0.0.0', ['192.168.1.20', '10.0.0.5']);
    expect(text).toContain('Tablet (kiosk)      http://192.168.1.20:8080/kiosk/  http://10.0.0.5:8080/kiosk/\n');
    expect(text).toContain('Operator console    http://192.168.1.20:8080/console/  http://10.0.0.5:8080/console/\n');
    expect(text).not.toContain('127.0.0.1:8080');
    // A machine with no network but the loopback still gets a URL.
    expect(banner('0.0.0.0', [])).toContain('Tablet (kiosk)      http://127.0.0.1:8080/kiosk/\n');
  });

  it('finds the non-internal IPv4 addresses of the machine', () => {
    const address = (family: 'IPv4' | 'IPv6', value: string, internal: boolean) =>
      ({ address: value, family, internal, netmask: '', mac: '', cidr: null }) as never;
    expect(
      lanAddresses({
        lo: [address('IPv4', '127.0.0.1', true), address('IPv6', '::1', true)],
        eth0: [address('IPv4', '192.168.1.20', false), address('IPv6', 'fe80::1', false)],
        wlan0: [address('IPv4', '10.0.0.5', false)],
      }),
    ).toEqual(['192.168.1.20', '10.0.0.5']);
  });
});
