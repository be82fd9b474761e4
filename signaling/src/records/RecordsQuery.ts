import { Prisma, type PrismaClient } from '@madoguchi/db';
import type {
  ConsultationOutcome,
  DepartmentSummary,
  RecordDetail,
  RecordEvent,
  RecordListItem,
  RecordsFilter,
  RecordsStatsQuery,
  RecordsStatsResponse,
  StaffSummary,
} from '@madoguchi/protocol';

/**
 * Read side of the session records (相談記録): list, detail and statistics. The list and the
 * charts read the Consultation rows and their derived summary columns (summary.ts) along the
 * indexes; the detail reads the whole event log of one consultation.
 */

/** Who may see what: supervisors/admins everything, an operator the consultations they took part in. */
export type RecordsScope = { kind: 'all' } | { kind: 'participant'; staffId: string };

/**
 * Timestamps as the better-sqlite3 adapter stores them (its default `iso8601` format): fixed-width
 * UTC text, so text order is time order and the indexes serve range conditions.
 */
export function toDbTime(date: Date): string {
  return date.toISOString().replace('Z', '+00:00');
}

export interface Cursor {
  requestedAt: Date;
  id: string;
}

export function encodeCursor({ requestedAt, id }: Cursor): string {
  return Buffer.from(JSON.stringify([requestedAt.toISOString(), id])).toString('base64url');
}

/** undefined when the cursor is not one of ours. */
export function decodeCursor(cursor: string): Cursor | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [at, id] = value as unknown[];
    if (typeof at !== 'string' || typeof id !== 'string') return undefined;
    const requestedAt = new Date(at);
    return Number.isNaN(requestedAt.getTime()) ? undefined : { requestedAt, id };
  } catch {
    return undefined;
  }
}

interface ListRow {
  id: string;
  requestedAt: string;
  waitMs: number | bigint | null;
  talkMs: number | bigint | null;
  satisfaction: number | bigint | null;
  outcome: string | null;
  siteId: string;
  siteName: string;
  departmentId: string;
  departmentCode: string;
  departmentName: string;
  operatorId: string | null;
  operatorName: string | null;
}

/** A list row with a real Date (the CSV export formats it; the API serialises it). */
export interface RecordRow extends Omit<RecordListItem, 'requestedAt'> {
  requestedAt: Date;
}

type StatsFilter = Pick<RecordsFilter, 'from' | 'to' | 'departmentId' | 'siteId'>;

function filterConditions(filter: RecordsFilter, scope: RecordsScope): Prisma.Sql[] {
  const where: Prisma.Sql[] = [];
  if (filter.from) where.push(Prisma.sql`c.requestedAt >= ${toDbTime(new Date(filter.from))}`);
  if (filter.to) where.push(Prisma.sql`c.requestedAt < ${toDbTime(new Date(filter.to))}`);
  if (filter.departmentId) where.push(Prisma.sql`c.departmentId = ${filter.departmentId}`);
  if (filter.siteId) where.push(Prisma.sql`c.siteId = ${filter.siteId}`);
  if (filter.operatorId) where.push(Prisma.sql`c.operatorId = ${filter.operatorId}`);
  if (filter.outcome) where.push(Prisma.sql`c.outcome = ${filter.outcome}`);
  if (filter.satisfaction) where.push(Prisma.sql`c.satisfaction = ${filter.satisfaction}`);
  if (scope.kind === 'participant') {
    where.push(
      Prisma.sql`(c.operatorId = ${scope.staffId} OR c.id IN (SELECT e.consultationId FROM ConsultationEvent e WHERE e.actorId = ${scope.staffId} AND e.actorType = 'staff'))`,
    );
  }
  return where;
}

function whereClause(conditions: Prisma.Sql[]): Prisma.Sql {
  return conditions.length ? Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}` : Prisma.empty;
}

/** The list query: one page (`limit` rows) after `cursor`, newest first (exported for EXPLAIN in the benchmark). */
export function listStatement(filter: RecordsFilter, scope: RecordsScope, cursor: Cursor | undefined, limit: number): Prisma.Sql {
  const conditions = filterConditions(filter, scope);
  if (cursor) conditions.push(Prisma.sql`(c.requestedAt, c.id) < (${toDbTime(cursor.requestedAt)}, ${cursor.id})`);
  return Prisma.sql`
    SELECT c.id, c.requestedAt, c.waitMs, c.talkMs, c.satisfaction, c.outcome,
           c.siteId, s.name AS siteName,
           c.departmentId, d.code AS departmentCode, d.name AS departmentName,
           c.operatorId, st.displayName AS operatorName
      FROM Consultation c
      JOIN Site s ON s.id = c.siteId
      JOIN Department d ON d.id = c.departmentId
      LEFT JOIN Staff st ON st.id = c.operatorId
      ${whereClause(conditions)}
     ORDER BY c.requestedAt DESC, c.id DESC
     LIMIT ${limit}`;
}

/**
 * The chart queries, each one pass over the statistics index (exported for EXPLAIN in the
 * benchmark). Percentiles come from per-second histograms, so no query sorts the rows themselves.
 */
export function statsStatements(filter: StatsFilter, { thresholdSeconds, utcOffsetMinutes }: { thresholdSeconds: number; utcOffsetMinutes: number }) {
  const conditions = filterConditions(filter, { kind: 'all' });
  const where = whereClause(conditions);
  const shift = `${utcOffsetMinutes >= 0 ? '+' : ''}${utcOffsetMinutes} minutes`;
  const histogram = (column: 'waitMs' | 'talkMs') => Prisma.sql`
      SELECT c.departmentId, c.${Prisma.raw(column)} / 1000 AS second, COUNT(*) AS count
        FROM Consultation c ${whereClause([...conditions, Prisma.sql`c.${Prisma.raw(column)} IS NOT NULL`])}
       GROUP BY c.departmentId, second`;
  return {
    // Service level and abandonment count ended consultations only: a call still running has no verdict yet.
    totals: Prisma.sql`
      SELECT COUNT(*) AS total,
             SUM(c.outcome IS NOT NULL) AS ended,
             SUM(c.outcome IS NOT NULL AND c.talkMs IS NOT NULL AND c.waitMs <= ${thresholdSeconds * 1000}) AS answeredInTime,
             SUM(c.outcome = 'abandoned') AS abandoned
        FROM Consultation c ${where}`,
    hours: Prisma.sql`
      SELECT CAST(strftime('%H', c.requestedAt, ${shift}) AS INTEGER) AS hour, COUNT(*) AS count
        FROM Consultation c ${where} GROUP BY hour`,
    days: Prisma.sql`
      SELECT strftime('%Y-%m-%d', c.requestedAt, ${shift}) AS day, COUNT(*) AS count
        FROM Consultation c ${where} GROUP BY day ORDER BY day`,
    departments: Prisma.sql`
      SELECT c.departmentId, COUNT(*) AS count, AVG(c.waitMs) AS avgWaitMs, AVG(c.talkMs) AS avgTalkMs
        FROM Consultation c ${where} GROUP BY c.departmentId`,
    waitHistogram: histogram('waitMs'),
    talkHistogram: histogram('talkMs'),
    sites: Prisma.sql`
      SELECT c.siteId, COUNT(*) AS count FROM Consultation c ${where} GROUP BY c.siteId`,
    satisfaction: Prisma.sql`
      SELECT c.satisfaction AS score, COUNT(*) AS count FROM Consultation c ${where} GROUP BY c.satisfaction`,
  };
}

type Count = bigint | number | null;

/** COUNT/SUM come back as bigint (or number, or null for SUM over nothing). */
function num(value: Count | undefined): number {
  return value === null || value === undefined ? 0 : Number(value);
}

const secondsOf = (ms: Count) => (ms === null ? null : Number(ms) / 1000);

/** The 90th percentile by nearest rank (the ⌈0.9·n⌉-th smallest) of a per-second histogram. */
export function p90OfHistogram(buckets: { second: number; count: number }[]): number | null {
  const total = buckets.reduce((sum, b) => sum + b.count, 0);
  if (total === 0) return null;
  const rank = Math.ceil(0.9 * total);
  let seen = 0;
  for (const bucket of [...buckets].sort((a, b) => a.second - b.second)) {
    seen += bucket.count;
    if (seen >= rank) return bucket.second;
  }
  return null;
}

/** Department and staff ids an event's data mentions (transfers, specialist invitations, offers). */
function idsInData(data: unknown, suffix: 'departmentId' | 'operatorId' | 'staffId'): string[] {
  if (!data || typeof data !== 'object') return [];
  return Object.entries(data)
    .filter(([key, value]) => key.toLowerCase().endsWith(suffix.toLowerCase()) && typeof value === 'string')
    .map(([, value]) => value as string);
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export class RecordsQuery {
  readonly #db: PrismaClient;

  constructor(db: PrismaClient) {
    this.#db = db;
  }

  /** One page, newest first; `next` is set when there may be more. */
  async list(
    filter: RecordsFilter,
    scope: RecordsScope,
    { cursor, limit }: { cursor?: Cursor; limit: number },
  ): Promise<{ rows: RecordRow[]; next: Cursor | null }> {
    const rows = await this.#db.$queryRaw<ListRow[]>(listStatement(filter, scope, cursor, limit + 1));
    const page = rows.slice(0, limit).map(toRecordRow);
    const last = page.at(-1);
    return { rows: page, next: rows.length > limit && last ? { requestedAt: last.requestedAt, id: last.id } : null };
  }

  /** Every matching row, newest first, a page at a time (the CSV export streams these). */
  async *iterate(filter: RecordsFilter, scope: RecordsScope, pageSize = 2000): AsyncGenerator<RecordRow[]> {
    let cursor: Cursor | undefined;
    for (;;) {
      const { rows, next } = await this.list(filter, scope, { cursor, limit: pageSize });
      if (rows.length) yield rows;
      if (!next) return;
      cursor = next;
    }
  }

  /** The record with its whole timeline, or undefined when it does not exist or is outside the scope. */
  async detail(id: string, scope: RecordsScope): Promise<RecordDetail | undefined> {
    const row = await this.#db.consultation.findUnique({
      where: { id },
      include: { site: true, department: true, device: true, events: { orderBy: [{ at: 'asc' }, { id: 'asc' }] } },
    });
    if (!row) return undefined;
    const staffActors = row.events.filter((e) => e.actorType === 'staff' && e.actorId).map((e) => e.actorId!);
    if (scope.kind === 'participant' && row.operatorId !== scope.staffId && !staffActors.includes(scope.staffId)) {
      return undefined;
    }
    const events = row.events.map((event) => ({ ...event, data: parseJson(event.data) }));

    const mentionedStaff = events.flatMap((e) => [...idsInData(e.data, 'operatorId'), ...idsInData(e.data, 'staffId')]);
    const departmentIds = [...new Set([row.departmentId, ...events.flatMap((e) => idsInData(e.data, 'departmentId'))])];
    const [staff, departments] = await Promise.all([
      this.#db.staff.findMany({ where: { id: { in: [...new Set([...staffActors, ...mentionedStaff, ...(row.operatorId ? [row.operatorId] : [])])] } } }),
      this.#db.department.findMany({ where: { id: { in: departmentIds } } }),
    ]);
    const staffName = new Map(staff.map((s) => [s.id, s.displayName]));
    const departmentById = new Map(departments.map((d) => [d.id, d]));

    const rating = events.find((e) => e.type === 'rated')?.data as { score?: number; comment?: string } | undefined;
    const involved: StaffSummary[] = [...new Set([...(row.operatorId ? [row.operatorId] : []), ...staffActors])].map((staffId) => ({
      id: staffId,
      name: staffName.get(staffId) ?? '',
    }));
    return {
      id: row.id,
      requestedAt: row.requestedAt.toISOString(),
      site: { id: row.site.id, name: row.site.name },
      department: { id: row.department.id, code: row.department.code, name: row.department.name },
      operator: row.operatorId ? { id: row.operatorId, name: staffName.get(row.operatorId) ?? '' } : null,
      waitSeconds: secondsOf(row.waitMs),
      talkSeconds: secondsOf(row.talkMs),
      outcome: row.outcome as ConsultationOutcome | null,
      satisfaction: row.satisfaction,
      device: { id: row.device.id, name: row.device.name },
      answeredAt: row.answeredAt?.toISOString() ?? null,
      endedAt: row.endedAt?.toISOString() ?? null,
      endedBy: row.endedBy as RecordDetail['endedBy'],
      departmentsServed: departmentIds
        .map((departmentId) => departmentById.get(departmentId))
        .filter((d): d is NonNullable<typeof d> => d !== undefined)
        .map((d): DepartmentSummary => ({ id: d.id, code: d.code, name: d.name })),
      operatorsInvolved: involved,
      satisfactionComment: typeof rating?.comment === 'string' ? rating.comment : null,
      chat: events
        .filter((e) => e.type === 'chat')
        .map((e) => {
          const message = e.data as { from?: string; text?: string } | null;
          return { at: e.at.toISOString(), from: message?.from === 'operator' ? ('operator' as const) : ('resident' as const), text: String(message?.text ?? '') };
        }),
      events: events.map(
        (e): RecordEvent => ({
          type: e.type,
          at: e.at.toISOString(),
          actor: {
            type: e.actorType as RecordEvent['actor']['type'],
            id: e.actorId,
            name: e.actorType === 'staff' ? (staffName.get(e.actorId ?? '') ?? null) : e.actorType === 'device' ? row.device.name : null,
          },
          data: e.data,
        }),
      ),
    };
  }

  /** Every chart of the supervisor's statistics screen for one filter. */
  async stats(filter: StatsFilter, options: { thresholdSeconds: number; utcOffsetMinutes: number }): Promise<RecordsStatsResponse> {
    const sql = statsStatements(filter, options);
    // One connection: the queries run one after the other whatever the syntax, so keep it plain.
    const [totals] = await this.#db.$queryRaw<{ total: Count; ended: Count; answeredInTime: Count; abandoned: Count }[]>(sql.totals);
    const hours = await this.#db.$queryRaw<{ hour: Count; count: Count }[]>(sql.hours);
    const days = await this.#db.$queryRaw<{ day: string; count: Count }[]>(sql.days);
    const departments = await this.#db.$queryRaw<{ departmentId: string; count: Count; avgWaitMs: number | null; avgTalkMs: number | null }[]>(sql.departments);
    const waits = await this.#db.$queryRaw<{ departmentId: string; second: Count; count: Count }[]>(sql.waitHistogram);
    const talks = await this.#db.$queryRaw<{ departmentId: string; second: Count; count: Count }[]>(sql.talkHistogram);
    const sites = await this.#db.$queryRaw<{ siteId: string; count: Count }[]>(sql.sites);
    const ratings = await this.#db.$queryRaw<{ score: Count; count: Count }[]>(sql.satisfaction);
    const [departmentRows, siteRows] = await Promise.all([
      this.#db.department.findMany({ orderBy: { sortOrder: 'asc' } }),
      this.#db.site.findMany({ orderBy: [{ createdAt: 'asc' }, { name: 'asc' }] }),
    ]);

    const p90Of = (histogram: typeof waits, departmentId: string) =>
      p90OfHistogram(histogram.filter((h) => h.departmentId === departmentId).map((h) => ({ second: num(h.second), count: num(h.count) })));
    const seconds = (ms: number | null) => (ms === null ? null : Math.round(ms) / 1000);
    const hourCounts = new Map(hours.map((h) => [num(h.hour), num(h.count)]));
    const departmentStats = new Map(departments.map((d) => [d.departmentId, d]));
    const siteCounts = new Map(sites.map((s) => [s.siteId, num(s.count)]));
    const ratingCounts = new Map(ratings.filter((r) => r.score !== null).map((r) => [num(r.score), num(r.count)]));
    const rated = [...ratingCounts.values()].reduce((a, b) => a + b, 0);
    const ended = num(totals?.ended);
    return {
      total: num(totals?.total),
      byHour: Array.from({ length: 24 }, (_, hour) => ({ hour, count: hourCounts.get(hour) ?? 0 })),
      byDay: days.map((d) => ({ day: d.day, count: num(d.count) })),
      byDepartment: departmentRows
        .filter((d) => departmentStats.has(d.id))
        .map((d) => {
          const s = departmentStats.get(d.id)!;
          return {
            department: { id: d.id, code: d.code, name: d.name },
            count: num(s.count),
            waitSeconds: { average: seconds(s.avgWaitMs), p90: p90Of(waits, d.id) },
            talkSeconds: { average: seconds(s.avgTalkMs), p90: p90Of(talks, d.id) },
          };
        }),
      bySite: siteRows.filter((s) => siteCounts.has(s.id)).map((s) => ({ site: { id: s.id, name: s.name }, count: siteCounts.get(s.id)! })),
      serviceLevel: { thresholdSeconds: options.thresholdSeconds, ratio: ended ? num(totals?.answeredInTime) / ended : null },
      abandonmentRate: ended ? num(totals?.abandoned) / ended : null,
      satisfaction: {
        distribution: [1, 2, 3, 4, 5].map((score) => ({ score, count: ratingCounts.get(score) ?? 0 })),
        rated,
        satisfiedShare: rated ? ((ratingCounts.get(4) ?? 0) + (ratingCounts.get(5) ?? 0)) / rated : null,
      },
    };
  }
}

function toRecordRow(row: ListRow): RecordRow {
  return {
    id: row.id,
    requestedAt: new Date(row.requestedAt),
    site: { id: row.siteId, name: row.siteName },
    department: { id: row.departmentId, code: row.departmentCode, name: row.departmentName },
    operator: row.operatorId ? { id: row.operatorId, name: row.operatorName ?? '' } : null,
    waitSeconds: secondsOf(row.waitMs),
    talkSeconds: secondsOf(row.talkMs),
    outcome: row.outcome as ConsultationOutcome | null,
    satisfaction: row.satisfaction === null ? null : Number(row.satisfaction),
  };
}
