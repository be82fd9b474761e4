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
import { stillInfo } from '../stills/StillService.ts';
import { sentDocumentInfo } from '../documents/DocumentService.ts';
import { formInfo, templateInfo } from '../forms/FormService.ts';
import { addHistogram, averageSeconds, num, percentileOfHistogram, type Count } from './histograms.ts';
import { PARTICIPATION_EVENTS, participationSql } from './participation.ts';

/**
 * Read side of the session records (相談記録): list, detail and statistics. The list and the
 * charts read the Consultation rows and their derived summary columns (summary.ts) along the
 * indexes; the detail reads the whole event log of one consultation.
 *
 * The SQL runs on SQLite and PostgreSQL alike: identifiers in double quotes (PostgreSQL folds
 * unquoted names to lower case), an alias on every subquery in FROM.
 */

/** Who may see what: supervisors/admins everything, an operator the consultations they took part in (participation.ts). */
export type RecordsScope = { kind: 'all' } | { kind: 'participant'; staffId: string };

/**
 * Timestamps as the better-sqlite3 adapter stores them (its default `iso8601` format): fixed-width
 * UTC text, so text order is time order and the indexes serve range conditions. PostgreSQL reads the
 * same text into its timestamp columns (UTC, as Prisma writes them).
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
  /** text on SQLite, a Date on PostgreSQL */
  requestedAt: string | Date;
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

export type RecordsStatsFilter = Omit<RecordsStatsQuery, 'serviceLevelSeconds'>;

/** The statistics added up from the daily rollup (the rest: StatsBreakdown). */
export type DailyStats = Omit<RecordsStatsResponse, 'byOperator' | 'byCategory' | 'callbacks' | 'reservations'>;

function filterConditions(filter: RecordsFilter): Prisma.Sql[] {
  const where: Prisma.Sql[] = [];
  if (filter.from) where.push(Prisma.sql`c."requestedAt" >= ${toDbTime(new Date(filter.from))}`);
  if (filter.to) where.push(Prisma.sql`c."requestedAt" < ${toDbTime(new Date(filter.to))}`);
  if (filter.departmentId) where.push(Prisma.sql`c."departmentId" = ${filter.departmentId}`);
  if (filter.siteId) where.push(Prisma.sql`c."siteId" = ${filter.siteId}`);
  if (filter.operatorId) where.push(Prisma.sql`c."operatorId" = ${filter.operatorId}`);
  if (filter.outcome) where.push(Prisma.sql`c.outcome = ${filter.outcome}`);
  if (filter.satisfaction) where.push(Prisma.sql`c.satisfaction = ${filter.satisfaction}`);
  return where;
}

function whereClause(conditions: Prisma.Sql[]): Prisma.Sql {
  return conditions.length ? Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}` : Prisma.empty;
}

/**
 * How an operator's own records are found. `dense` (an operator with many consultations): walk the
 * time index and keep the rows they took part in (a point lookup each), stopping at a page.
 * `sparse` (few): collect their consultations from the actor index first, then sort that handful.
 * Either plan alone is slow in the other case (about a second on a million consultations).
 */
export type ParticipantPlan = 'dense' | 'sparse';
/** Up to this many events of the operator, the sparse plan is the faster. */
const SPARSE_EVENTS = 2000;

/** The list query: one page (`limit` rows) after `cursor`, newest first (exported for EXPLAIN in the benchmark). */
export function listStatement(
  filter: RecordsFilter,
  scope: RecordsScope,
  cursor: Cursor | undefined,
  limit: number,
  plan: ParticipantPlan = 'dense',
): Prisma.Sql {
  const conditions = filterConditions(filter);
  if (cursor) conditions.push(Prisma.sql`(c."requestedAt", c.id) < (${toDbTime(cursor.requestedAt)}, ${cursor.id})`);
  let from = Prisma.sql`"Consultation" c`;
  if (scope.kind === 'participant' && plan === 'sparse') {
    // CROSS JOIN fixes the join order in SQLite: the operator's consultations drive the query. Its
    // condition is in WHERE, as PostgreSQL allows no ON after CROSS JOIN (and orders joins itself).
    from = Prisma.sql`(SELECT e."consultationId" AS id FROM "ConsultationEvent" e WHERE ${participationSql(scope.staffId)}
                        UNION SELECT o.id FROM "Consultation" o WHERE o."operatorId" = ${scope.staffId}) mine
                      CROSS JOIN "Consultation" c`;
    conditions.push(Prisma.sql`c.id = mine.id`);
  } else if (scope.kind === 'participant') {
    conditions.push(
      Prisma.sql`(c."operatorId" = ${scope.staffId} OR EXISTS (SELECT 1 FROM "ConsultationEvent" e WHERE e."consultationId" = c.id AND ${participationSql(scope.staffId)}))`,
    );
  }
  return Prisma.sql`
    SELECT c.id, c."requestedAt", c."waitMs", c."talkMs", c.satisfaction, c.outcome,
           c."siteId", s.name AS "siteName",
           c."departmentId", d.code AS "departmentCode", d.name AS "departmentName",
           c."operatorId", st."displayName" AS "operatorName"
      FROM ${from}
      JOIN "Site" s ON s.id = c."siteId"
      JOIN "Department" d ON d.id = c."departmentId"
      LEFT JOIN "Staff" st ON st.id = c."operatorId"
      ${whereClause(conditions)}
     ORDER BY c."requestedAt" DESC, c.id DESC
     LIMIT ${limit}`;
}

/** The WHERE clause of a rollup table (its day, departmentId and siteId columns) for a filter. */
export function rollupWhere(filter: RecordsStatsFilter): Prisma.Sql {
  const where: Prisma.Sql[] = [];
  if (filter.from) where.push(Prisma.sql`day >= ${filter.from}`);
  if (filter.to) where.push(Prisma.sql`day <= ${filter.to}`);
  if (filter.departmentId) where.push(Prisma.sql`"departmentId" = ${filter.departmentId}`);
  if (filter.siteId) where.push(Prisma.sql`"siteId" = ${filter.siteId}`);
  return whereClause(where);
}

/** The daily statistics rows of a filter (exported for EXPLAIN in the benchmark). */
export function dailyStatement(filter: RecordsStatsFilter): Prisma.Sql {
  return Prisma.sql`SELECT * FROM "ConsultationDaily" ${rollupWhere(filter)}`;
}

interface DailyRow {
  day: string;
  departmentId: string;
  siteId: string;
  total: Count;
  ended: Count;
  refused: Count;
  abandoned: Count;
  waitSumMs: Count;
  waitCount: Count;
  talkSumMs: Count;
  talkCount: Count;
  hourCounts: string;
  waitHistogram: string;
  answeredWaitHistogram: string;
  talkHistogram: string;
  ratings: string;
  lossCount: Count;
  lostSumMs: Count;
}

const secondsOf = (ms: Count) => (ms === null ? null : Number(ms) / 1000);

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
    const plan = scope.kind === 'participant' ? await this.participantPlan(scope.staffId) : 'dense';
    const rows = await this.#db.$queryRaw<ListRow[]>(listStatement(filter, scope, cursor, limit + 1, plan));
    const page = rows.slice(0, limit).map(toRecordRow);
    const last = page.at(-1);
    return { rows: page, next: rows.length > limit && last ? { requestedAt: last.requestedAt, id: last.id } : null };
  }

  /** Which plan finds this operator's records fastest (a bounded count on the actor index). */
  async participantPlan(staffId: string): Promise<ParticipantPlan> {
    const [row] = await this.#db.$queryRaw<{ n: bigint | number }[]>`
      SELECT COUNT(*) AS n FROM (SELECT 1 FROM "ConsultationEvent" WHERE "actorId" = ${staffId} LIMIT ${SPARSE_EVENTS + 1}) events`;
    return Number(row?.n ?? 0) > SPARSE_EVENTS ? 'dense' : 'sparse';
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
      include: {
        site: true,
        department: true,
        device: true,
        reservation: { select: { id: true } },
        events: { orderBy: [{ at: 'asc' }, { id: 'asc' }] },
        stills: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
        documents: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
        forms: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
      },
    });
    if (!row) return undefined;
    const templates = new Map(
      (await this.#db.formTemplate.findMany({ where: { id: { in: row.forms.map((form) => form.templateId) } }, select: { id: true, departmentId: true, title: true, fields: true, signatureBox: true } })).map(
        (template) => [template.id, templateInfo(template)],
      ),
    );
    const staffActors = row.events.filter((e) => e.actorType === 'staff' && e.actorId).map((e) => e.actorId!);
    const tookPart = (staffId: string) =>
      row.operatorId === staffId ||
      row.events.some((e) => e.actorType === 'staff' && e.actorId === staffId && (PARTICIPATION_EVENTS as readonly string[]).includes(e.type));
    if (scope.kind === 'participant' && !tookPart(scope.staffId)) return undefined;
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
      arrival: row.reservation ? 'reserved' : 'walk_in',
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
          const text = typeof message?.text === 'string' ? message.text : null;
          return { at: e.at.toISOString(), from: message?.from === 'operator' ? ('operator' as const) : ('resident' as const), text };
        }),
      notes: events
        .filter((e) => e.type === 'note')
        .map((e) => {
          const note = e.data as { category?: string | null; text?: string } | null;
          return {
            at: e.at.toISOString(),
            by: { id: e.actorId ?? '', name: staffName.get(e.actorId ?? '') ?? '' },
            category: typeof note?.category === 'string' ? note.category : null,
            text: String(note?.text ?? ''),
          };
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
      stills: row.stills.map(stillInfo),
      documents: row.documents.map(sentDocumentInfo),
      forms: row.forms.map((form) =>
        formInfo(form, templates.get(form.templateId) ?? { id: form.templateId, departmentId: row.departmentId, title: form.title, fields: [], signatureBox: { page: 0, x: 0, y: 0, width: 1, height: 1 } }),
      ),
    };
  }

  /**
   * Every chart of the supervisor's statistics screen for one filter, added up from the daily
   * statistics rows (a year is a few thousand rows, whatever the number of consultations).
   */
  async stats(filter: RecordsStatsFilter, { thresholdSeconds }: { thresholdSeconds: number }): Promise<DailyStats> {
    const rows = await this.#db.$queryRaw<DailyRow[]>(dailyStatement(filter));
    const [departmentRows, siteRows] = await Promise.all([
      this.#db.department.findMany({ orderBy: { sortOrder: 'asc' } }),
      this.#db.site.findMany({ orderBy: [{ createdAt: 'asc' }, { name: 'asc' }] }),
    ]);

    const add = <K>(map: Map<K, number>, key: K, value: number) => map.set(key, (map.get(key) ?? 0) + value);
    let total = 0;
    let ended = 0;
    let refused = 0;
    let abandoned = 0;
    const byHour = new Map<number, number>();
    const byDay = new Map<string, number>();
    const bySite = new Map<string, number>();
    const lossesBySite = new Map<string, number>();
    const lostMsBySite = new Map<string, number>();
    const ratings = new Map<number, number>();
    const answeredWaits = new Map<number, number>();
    const departments = new Map<string, { count: number; waitSumMs: number; waitCount: number; talkSumMs: number; talkCount: number; waits: Map<number, number>; talks: Map<number, number> }>();
    for (const row of rows) {
      total += num(row.total);
      ended += num(row.ended);
      refused += num(row.refused);
      abandoned += num(row.abandoned);
      add(byDay, row.day, num(row.total));
      add(bySite, row.siteId, num(row.total));
      add(lossesBySite, row.siteId, num(row.lossCount));
      add(lostMsBySite, row.siteId, num(row.lostSumMs));
      addHistogram(byHour, row.hourCounts);
      addHistogram(ratings, row.ratings);
      addHistogram(answeredWaits, row.answeredWaitHistogram);
      let department = departments.get(row.departmentId);
      if (!department) {
        department = { count: 0, waitSumMs: 0, waitCount: 0, talkSumMs: 0, talkCount: 0, waits: new Map(), talks: new Map() };
        departments.set(row.departmentId, department);
      }
      department.count += num(row.total);
      department.waitSumMs += num(row.waitSumMs);
      department.waitCount += num(row.waitCount);
      department.talkSumMs += num(row.talkSumMs);
      department.talkCount += num(row.talkCount);
      addHistogram(department.waits, row.waitHistogram);
      addHistogram(department.talks, row.talkHistogram);
    }

        const answeredInTime = [...answeredWaits].reduce((sum, [second, count]) => (second <= thresholdSeconds ? sum + count : sum), 0);
    const rated = [...ratings.values()].reduce((a, b) => a + b, 0);
    // A refused request (outside hours, nobody on duty) never waited for an answer.
    const queued = ended - refused;
    return {
      total,
      byHour: Array.from({ length: 24 }, (_, hour) => ({ hour, count: byHour.get(hour) ?? 0 })),
      byDay: [...byDay].sort(([a], [b]) => a.localeCompare(b)).map(([day, count]) => ({ day, count })),
      byDepartment: departmentRows
        .filter((d) => departments.has(d.id))
        .map((d) => {
          const s = departments.get(d.id)!;
          return {
            department: { id: d.id, code: d.code, name: d.name },
            count: s.count,
            waitSeconds: { average: averageSeconds(s.waitSumMs, s.waitCount), p90: percentileOfHistogram(s.waits, 0.9) },
            talkSeconds: { average: averageSeconds(s.talkSumMs, s.talkCount), p90: percentileOfHistogram(s.talks, 0.9) },
          };
        }),
      bySite: siteRows.filter((s) => bySite.has(s.id)).map((s) => ({ site: { id: s.id, name: s.name }, count: bySite.get(s.id)! })),
      connectionLosses: {
        consultations: [...lossesBySite.values()].reduce((a, b) => a + b, 0),
        lostSeconds: Math.round([...lostMsBySite.values()].reduce((a, b) => a + b, 0) / 1000),
        bySite: siteRows
          .filter((s) => (lossesBySite.get(s.id) ?? 0) > 0)
          .map((s) => ({ site: { id: s.id, name: s.name }, consultations: lossesBySite.get(s.id)!, lostSeconds: Math.round((lostMsBySite.get(s.id) ?? 0) / 1000) })),
      },
      serviceLevel: { thresholdSeconds, ratio: queued ? answeredInTime / queued : null },
      abandonmentRate: queued ? abandoned / queued : null,
      satisfaction: {
        distribution: [1, 2, 3, 4, 5].map((score) => ({ score, count: ratings.get(score) ?? 0 })),
        rated,
        satisfiedShare: rated ? ((ratings.get(4) ?? 0) + (ratings.get(5) ?? 0)) / rated : null,
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
