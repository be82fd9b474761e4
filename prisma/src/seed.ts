/**
 * Demo city みどり市 (Midori City) — fictional seed data from shared/README.md.
 * Idempotent: does nothing when the database already holds a city (the demo, or the city's own).
 * Passwords are never hard-coded: one shared password from the caller or env
 * SEED_DEMO_PASSWORD, or a random readable one per account written to
 * .data/demo-accounts.txt (mode 0600).
 */
import { seedFormTemplates } from './formTemplates.ts';
import { closeSync, fchmodSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { PrismaClient } from '../generated/client/client.ts';
import { generateReadablePassword, hashPassword } from './password.ts';
import { DEFAULT_DATABASE_URL, databaseProvider, repoRoot, resolveDatabaseUrl, sqliteFilePath } from './paths.ts';

export const DEMO_CITY = 'みどり市';

/** kind: "post_office" | "branch_office" | "community_hall" | "mobile_vehicle" */
export const DEMO_SITES = [
  { name: '清滝郵便局', kind: 'post_office' },
  { name: '江川出張所', kind: 'branch_office' },
  { name: '中央公民館', kind: 'community_hall' },
  { name: '移動窓口1号車', kind: 'mobile_vehicle' },
] as const;

export const DEMO_DEPARTMENTS = [
  { code: 'citizen', kioskText: '住民票・引っ越し・マイナンバーカード', name: '市民課', sortOrder: 1, staffSurname: '市民', categories: ['住民票・証明書', '転入・転出', 'マイナンバーカード', '戸籍', 'その他'] },
  { code: 'tax', kioskText: '税金の こと', name: '税務課', sortOrder: 2, staffSurname: '税務', categories: ['住民税', '固定資産税', '軽自動車税', '納税・証明書', 'その他'] },
  { code: 'insurance', kioskText: '国民健康保険・年金', name: '保険年金課', sortOrder: 3, staffSurname: '保険', categories: ['国民健康保険', '後期高齢者医療', '国民年金', 'その他'] },
  { code: 'welfare', kioskText: '介護・障がい・くらしの 相談', name: '福祉課', sortOrder: 4, staffSurname: '福祉', categories: ['高齢者福祉', '障害福祉', '生活相談', 'その他'] },
  { code: 'childcare', kioskText: '子ども・保育園・手当', name: '子育て支援課', sortOrder: 5, staffSurname: '子育', categories: ['児童手当', '保育園・幼稚園', '子育て相談', 'その他'] },
  { code: 'general', kioskText: 'どこに 聞けば いいか わからない とき', name: '総合窓口', sortOrder: 6, staffSurname: '総合', categories: ['案内・取次ぎ', '各種届出', 'その他'] },
] as const;

const OPERATOR_GIVEN_NAMES = ['一郎', '花子'] as const;

/** The general counter (総合窓口): where waits overflow, and whose staff help every other department. */
export const GENERAL_COUNTER = 'general';

const ALL_DAY = [{ open: '00:00', close: '24:00' }];

/** 予約: the departments whose consultations are long and prepared for (福祉, 子育て) take bookings in the demo. */
const DEMO_RESERVATION_CALENDAR = { departments: ['welfare', 'childcare'], slotMinutes: 30, capacity: 2, bookableDays: 14 } as const;

/**
 * Routing of the demo city. Its counters are open around the clock so the demo can be tried at any
 * hour; a real city sets its hours, holidays (祝日) and 年末年始 through the admin API.
 */
export const DEMO_ROUTING = {
  ringTimeoutSeconds: 20,
  maxMissedOffers: 2,
  wrapUpSeconds: 30,
  secondaryDelaySeconds: 30,
  overflowDelaySeconds: 120,
  hours: { sun: ALL_DAY, mon: ALL_DAY, tue: ALL_DAY, wed: ALL_DAY, thu: ALL_DAY, fri: ALL_DAY, sat: ALL_DAY },
  closedDates: [] as string[],
  annualClosures: [] as Array<{ from: string; to: string }>,
};

export interface DemoAccount {
  username: string;
  displayName: string;
  /** "operator" | "supervisor" | "admin" */
  role: 'operator' | 'supervisor' | 'admin';
  /** Department code for operators. */
  department?: string;
}

/** The 14 demo accounts: two operators per department, one supervisor, one admin. */
export function demoAccounts(): DemoAccount[] {
  const accounts: DemoAccount[] = [];
  for (const d of DEMO_DEPARTMENTS) {
    OPERATOR_GIVEN_NAMES.forEach((given, i) => {
      accounts.push({ username: `${d.code}${i + 1}`, displayName: `${d.staffSurname} ${given}`, role: 'operator', department: d.code });
    });
  }
  accounts.push({ username: 'supervisor', displayName: '管理 太郎', role: 'supervisor' });
  accounts.push({ username: 'admin', displayName: '情報 花子', role: 'admin' });
  return accounts;
}

export const DEFAULT_ACCOUNTS_FILE = path.join(repoRoot, '.data', 'demo-accounts.txt');

/**
 * Where the seed CLI keeps generated passwords for a database: .data/demo-accounts.txt
 * for the default database and for PostgreSQL (which has no file of ours to sit beside),
 * `<file>.demo-accounts.txt` beside any other SQLite file (so seeding a scratch database
 * never overwrites the main list).
 */
export function demoAccountsFileFor(databaseUrl?: string): string {
  const url = resolveDatabaseUrl(databaseUrl);
  if (databaseProvider(url) === 'postgresql') return DEFAULT_ACCOUNTS_FILE;
  const file = sqliteFilePath(url);
  if (file === ':memory:' || file === sqliteFilePath(DEFAULT_DATABASE_URL)) return DEFAULT_ACCOUNTS_FILE;
  return `${file.replace(/\.(db|sqlite3?)$/i, '')}.demo-accounts.txt`;
}

export interface SeedDemoCityOptions {
  /** One password for every account (else env SEED_DEMO_PASSWORD, else random per account). */
  password?: string;
  /**
   * Where generated passwords are written (`username password` lines, mode 0600).
   * Omitted: no file (the passwords are in the result). The seed CLI passes
   * demoAccountsFileFor(databaseUrl) — .data/demo-accounts.txt for the default
   * database. Not used when a shared password was given.
   */
  accountsFile?: string;
}

export interface SeedDemoCityResult {
  /** false when the demo city was already there (nothing changed). */
  seeded: boolean;
  /** Accounts created, with their plain passwords (empty when seeded is false). */
  accounts: Array<DemoAccount & { password: string }>;
  /** 'option' | 'env' | 'generated' — where the passwords came from. */
  passwordSource: 'option' | 'env' | 'generated' | null;
  /** File the generated passwords were written to, if any. */
  accountsFile: string | null;
}

/**
 * True when the database holds a city: the demo, or the city's own after an admin replaced the demo
 * (renamed or disabled its sites). The seed only ever fills an empty database, so a second setup
 * never brings the demo back.
 */
export async function isDemoCitySeeded(db: PrismaClient): Promise<boolean> {
  return (await db.site.count()) > 0;
}

function writeAccountsFile(file: string, accounts: Array<{ username: string; password: string }>): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const fd = openSync(file, 'w', 0o600);
  try {
    fchmodSync(fd, 0o600); // also when the file already existed with another mode
    writeSync(fd, `# ${DEMO_CITY} demo accounts — generated by the seed; keep private\n`);
    for (const a of accounts) writeSync(fd, `${a.username} ${a.password}\n`);
  } finally {
    closeSync(fd);
  }
}

export async function seedDemoCity(db: PrismaClient, options: SeedDemoCityOptions = {}): Promise<SeedDemoCityResult> {
  if (await isDemoCitySeeded(db)) {
    await seedFormTemplates(db);
    return { seeded: false, accounts: [], passwordSource: null, accountsFile: null };
  }

  const envPassword = process.env.SEED_DEMO_PASSWORD || undefined;
  const shared = options.password ?? envPassword;
  const passwordSource = options.password !== undefined ? 'option' : envPassword !== undefined ? 'env' : 'generated';
  if (shared !== undefined && shared.length < 8) throw new Error('seedDemoCity: the demo password must have at least 8 characters');

  const accounts = demoAccounts().map((a) => ({ ...a, password: shared ?? generateReadablePassword() }));
  // Hash outside the transaction. scrypt costs 128 MiB and ~0.3–0.8 s per hash:
  // a shared password is hashed once and that hash stored for every account (they
  // share the password anyway); generated ones are hashed two at a time.
  const hashes: string[] = new Array(accounts.length);
  if (shared !== undefined) {
    hashes.fill(await hashPassword(shared));
  } else {
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < accounts.length; i = next++) hashes[i] = await hashPassword(accounts[i]!.password);
    };
    await Promise.all([worker(), worker()]);
  }

  const created = await db.$transaction(
    async (tx) => {
      // Checked again inside the transaction: another seed in this process may have
      // won meanwhile (across processes, SQLite's write lock makes the loser fail and roll back).
      if ((await tx.site.count()) > 0) return false;

      for (const s of DEMO_SITES) {
        await tx.site.create({
          data: { name: s.name, kind: s.kind, devices: { create: { name: `${s.name} タブレット1` } } },
        });
      }
      const deptIds = new Map<string, string>();
      for (const d of DEMO_DEPARTMENTS) {
        const dept = await tx.department.create({
          data: {
            code: d.code,
            name: d.name,
            kioskText: d.kioskText,
            sortOrder: d.sortOrder,
            categories: { create: d.categories.map((name, index) => ({ name, sortOrder: index + 1 })) },
          },
        });
        deptIds.set(d.code, dept.id);
      }
      for (const d of DEMO_DEPARTMENTS) {
        const overflow = d.code !== GENERAL_COUNTER;
        await tx.departmentRouting.create({
          data: {
            departmentId: deptIds.get(d.code)!,
            ringTimeoutSeconds: DEMO_ROUTING.ringTimeoutSeconds,
            maxMissedOffers: DEMO_ROUTING.maxMissedOffers,
            wrapUpSeconds: DEMO_ROUTING.wrapUpSeconds,
            secondaryDelaySeconds: DEMO_ROUTING.secondaryDelaySeconds,
            overflowToId: overflow ? deptIds.get(GENERAL_COUNTER)! : null,
            overflowDelaySeconds: overflow ? DEMO_ROUTING.overflowDelaySeconds : null,
            hours: JSON.stringify(DEMO_ROUTING.hours),
            closedDates: JSON.stringify(DEMO_ROUTING.closedDates),
            annualClosures: JSON.stringify(DEMO_ROUTING.annualClosures),
          },
        });
      }
      for (const code of DEMO_RESERVATION_CALENDAR.departments) {
        const { slotMinutes, capacity, bookableDays } = DEMO_RESERVATION_CALENDAR;
        await tx.reservationCalendar.create({ data: { departmentId: deptIds.get(code)!, slotMinutes, capacity, bookableDays } });
      }
      for (const [i, a] of accounts.entries()) {
        // The general counter's staff know every department a little (secondary skill).
        const skills = !a.department
          ? []
          : a.department === GENERAL_COUNTER
            ? DEMO_DEPARTMENTS.map((d) => ({ departmentId: deptIds.get(d.code)!, skill: d.code === GENERAL_COUNTER ? 'primary' : 'secondary' }))
            : [{ departmentId: deptIds.get(a.department)!, skill: 'primary' }];
        await tx.staff.create({
          data: {
            username: a.username,
            displayName: a.displayName,
            passwordHash: hashes[i]!,
            role: a.role,
            ...(skills.length ? { departments: { create: skills } } : {}),
          },
        });
      }
      return true;
    },
    { timeout: 30_000 },
  );
  if (!created) return { seeded: false, accounts: [], passwordSource: null, accountsFile: null };
  await seedFormTemplates(db);

  let accountsFile: string | null = null;
  if (passwordSource === 'generated' && options.accountsFile) {
    accountsFile = options.accountsFile;
    writeAccountsFile(accountsFile, accounts);
  }
  return { seeded: true, accounts, passwordSource, accountsFile };
}
