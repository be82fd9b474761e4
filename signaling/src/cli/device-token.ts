/**
 * Admin CLI for tablet tokens.
 *   npm run device-token -w signaling -- --site 清滝郵便局 [--name "タブレット2"]   register a tablet, print its token
 *   npm run device-token -w signaling -- --reissue <deviceId>                       new token; the old ones stop working
 *   npm run device-token -w signaling -- --demo                                     tokens of every tablet → .data/device-tokens.txt
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '@madoguchi/db';
import { TokenService, type StaffSessionStore } from '../auth/TokenService.ts';
import { DEMO_DEVICE_TOKENS_FILE, loadConfig } from '../config.ts';
import { issueDeviceToken, reissueDeviceToken } from '../devices.ts';

const { values } = parseArgs({
  options: {
    site: { type: 'string' },
    name: { type: 'string' },
    reissue: { type: 'string' },
    demo: { type: 'boolean', default: false },
  },
});

const config = loadConfig();
const db = openDatabase(config.databaseUrl, { busyTimeoutMs: config.databaseBusyTimeoutMs });
const noStaffSessions: StaffSessionStore = {
  start: () => Promise.reject(new Error('device-token issues tablet tokens only')),
  principal: () => Promise.reject(new Error('device-token checks no tokens')),
};
const tokens = new TokenService(db, config.jwtSecret, config.staffTokenTtl, noStaffSessions);

try {
  if (values.demo) {
    if (existsSync(DEMO_DEVICE_TOKENS_FILE)) {
      console.log(`tablet tokens already in ${DEMO_DEVICE_TOKENS_FILE}`);
    } else {
      const devices = await db.device.findMany({ where: { revokedAt: null }, include: { site: true }, orderBy: { name: 'asc' } });
      const lines = devices.map((device) => `${device.site.name}\t${device.name}\t${tokens.issueDeviceToken(device)}`);
      mkdirSync(dirname(DEMO_DEVICE_TOKENS_FILE), { recursive: true });
      writeFileSync(DEMO_DEVICE_TOKENS_FILE, `# site\tdevice\ttoken (paste the token into the tablet once)\n${lines.join('\n')}\n`, { mode: 0o600 });
      console.log(`${devices.length} tablet tokens written to ${DEMO_DEVICE_TOKENS_FILE}`);
    }
  } else if (values.reissue) {
    console.log(await reissueDeviceToken(db, tokens, values.reissue));
  } else if (values.site) {
    const site = await db.site.findFirst({ where: { OR: [{ id: values.site }, { name: values.site }] } });
    if (!site) throw new Error(`no site named ${values.site}`);
    const issued = await issueDeviceToken(db, tokens, { siteId: site.id, name: values.name ?? `${site.name} タブレット` });
    console.log(`device ${issued.device.id} at ${site.name}\n${issued.token}`);
  } else {
    console.error('usage: device-token --site <name|id> [--name <device name>] | --reissue <deviceId> | --demo');
    process.exitCode = 2;
  }
} catch (error) {
  console.error(`device-token: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await db.$disconnect();
}
