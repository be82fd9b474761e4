/**
 * Seeds the demo city みどり市 (idempotent).
 *   tsx scripts/seed.ts [--url file:…|postgresql://…] [--password <pw>] [--accounts-file <path>]
 * Database: --url, else env DATABASE_URL, else file:./.data/madoguchi.db (repo root).
 * Passwords: --password, else env SEED_DEMO_PASSWORD, else random per account,
 * written to .data/demo-accounts.txt (mode 0600; for a non-default database
 * `<file>.demo-accounts.txt` beside it, or --accounts-file) and printed.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/db.ts';
import { resolveDatabaseUrl, repoRoot } from '../src/paths.ts';
import { printableDatabaseUrl } from '../src/postgres.ts';
import { DEMO_CITY, demoAccountsFileFor, seedDemoCity } from '../src/seed.ts';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { url: { type: 'string' }, password: { type: 'string' }, 'accounts-file': { type: 'string' } } });
  const url = resolveDatabaseUrl(values.url);
  const t0 = performance.now();
  const db = openDatabase(url);
  try {
    const accountsFile = values['accounts-file'] ? path.resolve(values['accounts-file']) : demoAccountsFileFor(url);
    const r = await seedDemoCity(db, { accountsFile, ...(values.password !== undefined ? { password: values.password } : {}) });
    const ms = Math.round(performance.now() - t0);
    if (!r.seeded) {
      console.log(`The demo city ${DEMO_CITY} is already seeded in ${printableDatabaseUrl(url)}: nothing to do (${ms} ms).`);
      if (existsSync(accountsFile)) console.log(`Demo passwords: ${path.relative(repoRoot, accountsFile)}`);
      return 0;
    }
    console.log(`Seeded the demo city ${DEMO_CITY} into ${printableDatabaseUrl(url)} (${ms} ms): 4 sites + 4 devices, 6 departments, ${r.accounts.length} staff.`);
    if (r.passwordSource === 'generated') {
      console.log(`Demo accounts (also in ${r.accountsFile ? path.relative(repoRoot, r.accountsFile) : '-'}, mode 0600):`);
      for (const a of r.accounts) console.log(`  ${a.username.padEnd(12)} ${a.password}   ${a.displayName} (${a.role})`);
    } else {
      console.log(`All ${r.accounts.length} accounts use the password from ${r.passwordSource === 'env' ? 'SEED_DEMO_PASSWORD' : '--password'}: ${r.accounts.map((a) => a.username).join(', ')}`);
    }
    return 0;
  } finally {
    await db.$disconnect();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const msg = err instanceof Error ? err.message : String(err);
    console.error(msg);
    if (/does not exist in the current database|no such table/i.test(msg)) {
      console.error('The database has no tables yet. Run: npm run migrate -w prisma -- deploy');
    }
    process.exitCode = 1;
  },
);
