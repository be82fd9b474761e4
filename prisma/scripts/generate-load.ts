/**
 * Synthetic consultation history for benchmarks and capacity checks.
 *
 *   npx tsx prisma/scripts/generate-load.ts --count 1000000 --url file:/tmp/load.db [--seed 42] [--events all|none]
 *
 * Creates (or reuses) the database at --url: migrations applied, the demo city seeded, then `count`
 * consultations spread over the 12 months before --end (default 2026-11-01 JST), each with its
 * events (requested, offered, sometimes declined + offered again, answered, ended/cancelled/failed).
 *
 * Distributions (deterministic PRNG): weekdays only (municipal offices), 08:30–17:15 JST with the
 * usual late-morning and early-afternoon peaks; seasonal volume (March–April moves, February–March
 * tax returns) and seasonal department mix; sites 35/30/20/15 %; outcomes ≈ 86 % completed,
 * 7 % abandoned, 3 % no operator, 2 % failed, 2 % callback; wait ~ log-normal (median ≈ 35 s),
 * handling time ~ log-normal (median ≈ 8 min); 45 % of completed consultations rated (5: 48 %,
 * 4: 34 %, 3: 11 %, 2: 4 %, 1: 3 %), one in ten of them with a comment; one in twenty with chat.
 *
 * Written with better-sqlite3 directly (prepared statements, 20,000 consultations per transaction,
 * WAL, synchronous=OFF while loading), in the same text timestamp format Prisma's adapter uses.
 * The summary columns (waitMs, talkMs, satisfaction) and the daily statistics rows are then derived
 * from the rows and events by the same SQL the server uses (rebuildAllDerived), not written here.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { openDatabase } from '../src/db.ts';
import { migrateDeploy } from '../src/migrate.ts';
import { resolveDatabaseUrl, sqliteFilePath } from '../src/paths.ts';
import { isDemoCitySeeded, seedDemoCity } from '../src/seed.ts';
import { rebuildAllDerived } from '../src/summary.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '100000' },
    url: { type: 'string' },
    seed: { type: 'string', default: '42' },
    end: { type: 'string', default: '2026-11-01T00:00:00+09:00' },
    events: { type: 'string', default: 'all' },
  },
});
const COUNT = Number(values.count);
if (!Number.isInteger(COUNT) || COUNT < 1) throw new Error('--count must be a positive integer');
const WITH_EVENTS = values.events !== 'none';
const url = resolveDatabaseUrl(values.url);
const END = Date.parse(values.end!);
const START = END - 365 * 86_400_000;
const JST = 9 * 3_600_000;
const BATCH = 20_000;

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = mulberry32(Number(values.seed));
const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const logNormal = (median: number, sigma: number) => median * Math.exp(sigma * normal());

function pick<T>(items: readonly T[], weights: readonly number[]): T {
  const total = weights.reduce((a, b) => a + b, 0);
  let r = random() * total;
  for (let i = 0; i < items.length; i++) {
    r -= weights[i]!;
    if (r < 0) return items[i]!;
  }
  return items.at(-1)!;
}

// Half-hour slots 08:30–17:00 JST; peaks around 10:00 and 14:00, a lunch dip.
const SLOTS = Array.from({ length: 18 }, (_, i) => 8.5 + i * 0.5);
const SLOT_WEIGHTS = [3, 6, 9, 11, 12, 10, 7, 4, 5, 8, 10, 11, 9, 8, 6, 5, 3, 2];
/** Relative volume per month (index 0 = January). */
const MONTH_VOLUME = [1.0, 1.15, 1.6, 1.5, 1.0, 0.95, 0.9, 0.85, 0.9, 0.95, 0.95, 1.0];
const DEPARTMENT_CODES = ['citizen', 'tax', 'insurance', 'welfare', 'childcare', 'general'] as const;
function departmentWeights(month: number): number[] {
  const w = [30, 20, 18, 12, 10, 10];
  if (month === 2 || month === 3) w[0] = 45; // moves
  if (month === 1 || month === 2) w[1] = 32; // tax returns
  if (month === 5) w[2] = 26; // insurance renewal
  return w;
}
const SITE_WEIGHTS = [35, 30, 20, 15];
const OUTCOMES = ['completed', 'abandoned', 'no_operator', 'failed', 'callback_requested'] as const;
const OUTCOME_WEIGHTS = [86, 7, 3, 2, 2];
const SCORES = [5, 4, 3, 2, 1] as const;
const SCORE_WEIGHTS = [48, 34, 11, 4, 3];
const COMMENTS = ['顔が見えて安心しました', '書類の書き方がよく分かりました', '少し待ち時間が長かったです', '音声が聞き取りにくい時がありました'];

/** Working days (Mon–Fri, JST) between START and END, each weighted by its month's volume. */
function workingDays(): { dayStart: number; weight: number; month: number }[] {
  const days = [];
  for (let t = START; t < END; t += 86_400_000) {
    const local = new Date(t + JST);
    const weekday = local.getUTCDay();
    if (weekday === 0 || weekday === 6) continue;
    days.push({ dayStart: t, weight: MONTH_VOLUME[local.getUTCMonth()]!, month: local.getUTCMonth() });
  }
  return days;
}

const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00');

async function main() {
  const started = performance.now();
  await migrateDeploy(url);
  const prisma = openDatabase(url);
  if (!(await isDemoCitySeeded(prisma))) await seedDemoCity(prisma, { password: 'load-test-password' });
  const sites = await prisma.site.findMany({ include: { devices: true }, orderBy: { createdAt: 'asc' } });
  const departments = await prisma.department.findMany({ include: { staff: true } });
  await prisma.$disconnect();
  const siteList = sites.filter((s) => s.devices.length).slice(0, SITE_WEIGHTS.length);
  const departmentByCode = new Map(departments.map((d) => [d.code, d]));

  const db = new Database(sqliteFilePath(url));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  const insertConsultation = db.prepare(
    `INSERT INTO Consultation (id, siteId, deviceId, departmentId, operatorId, requestedAt, answeredAt, endedAt, outcome, endedBy)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertEvent = db.prepare(
    'INSERT INTO ConsultationEvent (consultationId, type, at, actorType, actorId, data) VALUES (?, ?, ?, ?, ?, ?)',
  );

  // Spread COUNT over the working days in proportion to their weight.
  const days = workingDays();
  const totalWeight = days.reduce((a, d) => a + d.weight, 0);
  let assigned = 0;
  let carry = 0;
  const perDay = days.map((d) => {
    const exact = (COUNT * d.weight) / totalWeight + carry;
    const n = Math.floor(exact);
    carry = exact - n;
    assigned += n;
    return n;
  });
  perDay[perDay.length - 1]! += COUNT - assigned;

  let written = 0;
  let events = 0;
  const writeDay = db.transaction((dayIndex: number, n: number) => {
    const { dayStart, month } = days[dayIndex]!;
    const weights = departmentWeights(month);
    for (let i = 0; i < n; i++) {
      const slot = pick(SLOTS, SLOT_WEIGHTS);
      const requestedAt = Math.round(dayStart + slot * 3_600_000 + random() * 1_800_000);
      const site = pick(siteList, SITE_WEIGHTS);
      const device = site.devices[0]!;
      const department = departmentByCode.get(pick(DEPARTMENT_CODES, weights))!;
      const operators = department.staff.map((s) => s.staffId);
      const outcome = pick(OUTCOMES, OUTCOME_WEIGHTS);
      const answered = outcome === 'completed' || outcome === 'failed' || outcome === 'callback_requested';
      const wait = Math.min(1800, logNormal(35, 0.8)) * 1000;
      const operatorId = answered ? operators[Math.floor(random() * operators.length)]! : null;
      const answeredAt = answered ? requestedAt + Math.round(wait) : null;
      const talk = Math.min(7200, logNormal(480, 0.6)) * 1000;
      const endedAt = answered ? answeredAt! + Math.round(outcome === 'failed' ? talk / 4 : talk) : requestedAt + Math.round(wait);
      const endedBy = outcome === 'failed' || outcome === 'no_operator' ? 'system' : random() < 0.6 ? 'resident' : 'operator';
      const id = randomUUID();
      insertConsultation.run(id, site.id, device.id, department.id, operatorId, iso(requestedAt), answeredAt === null ? null : iso(answeredAt), iso(endedAt), outcome, endedBy);
      written++;
      if (!WITH_EVENTS) continue;
      insertEvent.run(id, 'requested', iso(requestedAt), 'device', device.id, null);
      events++;
      if (outcome === 'no_operator') {
        insertEvent.run(id, 'ended', iso(endedAt), 'system', null, JSON.stringify({ outcome }));
        events++;
        continue;
      }
      const offeredTo = operatorId ?? operators[Math.floor(random() * operators.length)]!;
      insertEvent.run(id, 'offered', iso(requestedAt + 500), 'system', null, JSON.stringify({ operatorId: offeredTo }));
      events++;
      if (answered && random() < 0.1 && wait > 10_000) {
        // The first operator declined; the offer went round again.
        const other = operators.find((o) => o !== operatorId) ?? operatorId!;
        insertEvent.run(id, 'declined', iso(requestedAt + 5000), 'staff', other, null);
        insertEvent.run(id, 'offered', iso(requestedAt + 5500), 'system', null, JSON.stringify({ operatorId }));
        events += 2;
      }
      if (answered) {
        insertEvent.run(id, 'answered', iso(answeredAt!), 'staff', operatorId, null);
        const type = outcome === 'failed' ? 'failed' : 'ended';
        const actor = endedBy === 'operator' ? ['staff', operatorId] : endedBy === 'resident' ? ['device', device.id] : ['system', null];
        if (random() < 0.05) {
          insertEvent.run(id, 'chat', iso(answeredAt! + 60_000), 'device', device.id, JSON.stringify({ from: 'resident', text: '書類の名前を教えてください' }));
          insertEvent.run(id, 'chat', iso(answeredAt! + 90_000), 'staff', operatorId, JSON.stringify({ from: 'operator', text: '画面に表示します。' }));
          events += 2;
        }
        insertEvent.run(id, type, iso(endedAt), actor[0], actor[1], JSON.stringify({ outcome }));
        events += 2;
        if (outcome === 'completed' && random() < 0.45) {
          const score = pick(SCORES, SCORE_WEIGHTS);
          const rating = random() < 0.1 ? { score, comment: COMMENTS[Math.floor(random() * COMMENTS.length)] } : { score };
          insertEvent.run(id, 'rated', iso(endedAt + 20_000), 'device', device.id, JSON.stringify(rating));
          events++;
        }
      } else {
        insertEvent.run(id, 'cancelled', iso(endedAt), 'device', device.id, JSON.stringify({ outcome }));
        events++;
      }
    }
  });

  // Several small days per transaction when they are small; at most ~BATCH rows per commit.
  let pending: number[] = [];
  let pendingRows = 0;
  const flush = db.transaction((indices: number[]) => {
    for (const i of indices) writeDay(i, perDay[i]!);
  });
  const loadStart = performance.now();
  let lastReport = loadStart;
  for (let i = 0; i < days.length; i++) {
    pending.push(i);
    pendingRows += perDay[i]!;
    if (pendingRows >= BATCH || i === days.length - 1) {
      flush(pending);
      pending = [];
      pendingRows = 0;
      if (performance.now() - lastReport > 5000) {
        lastReport = performance.now();
        const rate = written / ((lastReport - loadStart) / 1000);
        console.log(`  ${written.toLocaleString()} consultations, ${events.toLocaleString()} events (${Math.round(rate).toLocaleString()} consultations/s)`);
      }
    }
  }
  const summaryStart = performance.now();
  for (const statement of rebuildAllDerived('sqlite')) db.exec(statement);
  console.log(`  summary columns and daily statistics derived from the events in ${((performance.now() - summaryStart) / 1000).toFixed(1)} s`);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.exec('ANALYZE');
  db.close();
  const seconds = (performance.now() - started) / 1000;
  const loadSeconds = (performance.now() - loadStart) / 1000;
  console.log(
    `generated ${written.toLocaleString()} consultations and ${events.toLocaleString()} events in ${seconds.toFixed(1)} s ` +
      `(${Math.round(written / loadSeconds).toLocaleString()} consultations/s) → ${sqliteFilePath(url)}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
