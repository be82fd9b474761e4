import { localDayBounds, Prisma, type PrismaClient } from '@madoguchi/db';
import {
  CALLBACK_STATUSES,
  ConsultationOutcome,
  type CallbackStatus,
  type CategoryStats,
  type OperatorStats,
  type RecordsStatsResponse,
  type ReservationStats,
} from '@madoguchi/protocol';
import { FALLBACK_SLOT_MINUTES, reservationStatus } from '../reservations/status.ts';
import { addHistogram, averageSeconds, num, percentileOfHistogram, ratingSummary, type Count } from './histograms.ts';
import { rollupWhere, toDbTime, type RecordsStatsFilter } from './RecordsQuery.ts';

/**
 * The statistics per operator, per 相談種別 and of the callback requests, for the statistics screen and its
 * CSV export.
 *
 * Operators and categories are added up from the ConsultationDailyBreakdown rollup, which the records
 * writer keeps batch by batch like the daily rows (prisma/src/summary.ts): an operator's part in a
 * consultation (their own handling time, their transfers) is read from the events, and a year of events
 * cannot be scanned per request, whereas a year of rollup rows is a few thousand per operator. The
 * callback requests are counted from their own rows instead, along their `createdAt` index: they are a
 * resident's request when nobody could answer, a small share of the consultations, and their status
 * changes outside the records writer (an operator's PATCH), so a rollup would need a second writer.
 */

/** What the statistics add to the daily rollup's figures (RecordsQuery.stats). */
export type StatsBreakdownResponse = Pick<RecordsStatsResponse, 'byOperator' | 'byCategory' | 'callbacks' | 'reservations'>;
type Department = { id: string; code: string; name: string };

interface BookingRow {
  departmentId: string;
  status: string;
  slotStart: string | Date;
  slotMinutes: Count;
}

interface WaitRow {
  departmentId: string;
  reserved: Count;
  waitSumMs: Count;
  waitCount: Count;
}

interface BreakdownRow {
  departmentId: string;
  dimension: 'operator' | 'category';
  key: string;
  total: Count;
  outcomes: string;
  waitSumMs: Count;
  waitCount: Count;
  waitHistogram: string;
  talkSumMs: Count;
  talkCount: Count;
  talkHistogram: string;
  ratings: string;
  transfers: Count;
}

/** One operator's or category's rows added up. */
class Tally {
  count = 0;
  transfers = 0;
  waitSumMs = 0;
  waitCount = 0;
  talkSumMs = 0;
  talkCount = 0;
  readonly waits = new Map<number, number>();
  readonly talks = new Map<number, number>();
  readonly ratings = new Map<number, number>();
  readonly outcomes = new Map<string, number>();

  add(row: BreakdownRow): void {
    this.count += num(row.total);
    this.transfers += num(row.transfers);
    this.waitSumMs += num(row.waitSumMs);
    this.waitCount += num(row.waitCount);
    this.talkSumMs += num(row.talkSumMs);
    this.talkCount += num(row.talkCount);
    addHistogram(this.waits, row.waitHistogram);
    addHistogram(this.talks, row.talkHistogram);
    addHistogram(this.ratings, row.ratings);
    for (const [outcome, count] of Object.entries(JSON.parse(row.outcomes) as Record<string, number>)) {
      this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + count);
    }
  }

  wait() {
    return { average: averageSeconds(this.waitSumMs, this.waitCount), median: percentileOfHistogram(this.waits, 0.5) };
  }

  talk() {
    return { average: averageSeconds(this.talkSumMs, this.talkCount), median: percentileOfHistogram(this.talks, 0.5) };
  }
}

export class StatsBreakdown {
  readonly #db: PrismaClient;
  readonly #now: () => Date;

  constructor(db: PrismaClient, now: () => Date = () => new Date()) {
    this.#db = db;
    this.#now = now;
  }

  async compute(filter: RecordsStatsFilter): Promise<StatsBreakdownResponse> {
    const [rows, callbackRows, departments, bookingRows, waitRows] = await Promise.all([
      this.#db.$queryRaw<BreakdownRow[]>`
        SELECT "departmentId", dimension, key, total, outcomes, "waitSumMs", "waitCount", "waitHistogram", "talkSumMs", "talkCount", "talkHistogram", ratings, transfers
          FROM "ConsultationDailyBreakdown" ${rollupWhere(filter)}`,
      this.#callbackCounts(filter),
      this.#db.department.findMany({ orderBy: { sortOrder: 'asc' }, select: { id: true, code: true, name: true } }),
      this.#bookings(filter),
      this.#waitsByArrival(filter),
    ]);
    const operators = new Map<string, Tally>();
    const categories = new Map<string, Tally>();
    const tally = (map: Map<string, Tally>, key: string) => {
      let entry = map.get(key);
      if (!entry) map.set(key, (entry = new Tally()));
      return entry;
    };
    // A category is a department's; the consultations filed under none are counted per department.
    for (const row of rows) {
      if (row.dimension === 'operator') tally(operators, row.key).add(row);
      else tally(categories, row.key || `none:${row.departmentId}`).add(row);
    }

    const callbacksByOperator = new Map<string, { done: number; unreachable: number }>();
    const callbacksByDepartment = new Map<string, Record<CallbackStatus, number>>();
    for (const { departmentId, status, outcomeById, n } of callbackRows) {
      const counts = callbacksByDepartment.get(departmentId) ?? { open: 0, done: 0, unreachable: 0 };
      counts[status] += num(n);
      callbacksByDepartment.set(departmentId, counts);
      if (outcomeById && status !== 'open') {
        const mine = callbacksByOperator.get(outcomeById) ?? { done: 0, unreachable: 0 };
        mine[status] += num(n);
        callbacksByOperator.set(outcomeById, mine);
      }
    }

    const staffIds = [...new Set([...operators.keys(), ...callbacksByOperator.keys()])];
    const categoryIds = [...categories.keys()].filter((key) => !key.startsWith('none:'));
    const [staff, categoryRows] = await Promise.all([
      this.#db.staff.findMany({ where: { id: { in: staffIds } }, select: { id: true, displayName: true } }),
      this.#db.consultationCategory.findMany({ where: { id: { in: categoryIds } } }),
    ]);
    const staffName = new Map(staff.map((s) => [s.id, s.displayName]));

    const byOperator = staffIds
      .map((id): OperatorStats => {
        const s = operators.get(id) ?? new Tally();
        return {
          operator: { id, name: staffName.get(id) ?? '' },
          count: s.count,
          talkSeconds: s.talk(),
          transfers: s.transfers,
          satisfaction: ratingSummary(s.ratings),
          callbacks: callbacksByOperator.get(id) ?? { done: 0, unreachable: 0 },
        };
      })
      .sort((a, b) => b.count - a.count || a.operator.name.localeCompare(b.operator.name, 'ja'));

    const categoryStats = (department: Department, category: CategoryStats['category'], s: Tally): CategoryStats => ({
      department,
      category,
      count: s.count,
      waitSeconds: s.wait(),
      talkSeconds: s.talk(),
      outcomes: Object.fromEntries(ConsultationOutcome.options.map((outcome) => [outcome, s.outcomes.get(outcome) ?? 0])) as Record<ConsultationOutcome, number>,
      satisfaction: ratingSummary(s.ratings),
    });
    // In the departments' order, each department's categories in theirs, then its consultations filed under none.
    const categoriesOf = (departmentId: string) => categoryRows.filter((c) => c.departmentId === departmentId).sort((a, b) => a.sortOrder - b.sortOrder);
    const byCategory = departments.flatMap((d) => [
      ...categoriesOf(d.id).map((c) => categoryStats(d, { id: c.id, name: c.name }, categories.get(c.id)!)),
      ...(categories.has(`none:${d.id}`) ? [categoryStats(d, null, categories.get(`none:${d.id}`)!)] : []),
    ]);

    const total = { open: 0, done: 0, unreachable: 0 };
    for (const counts of callbacksByDepartment.values()) for (const status of CALLBACK_STATUSES) total[status] += counts[status];
    return {
      byOperator,
      byCategory,
      reservations: this.#reservationStats(departments, bookingRows, waitRows),
      callbacks: {
        ...total,
        byDepartment: departments
          .filter((d) => callbacksByDepartment.has(d.id))
          .map((department) => ({ department, ...callbacksByDepartment.get(department.id)! })),
      },
    };
  }

  #reservationStats(departments: Department[], bookings: BookingRow[], waits: WaitRow[]): ReservationStats[] {
    const now = this.#now().getTime();
    const counts = new Map<string, { booked: number; arrived: number; noShows: number }>();
    for (const booking of bookings) {
      const end = new Date(booking.slotStart).getTime() + (num(booking.slotMinutes) || FALLBACK_SLOT_MINUTES) * 60_000;
      const status = reservationStatus(booking.status, end, now);
      if (status === 'cancelled') continue;
      const tally = counts.get(booking.departmentId) ?? { booked: 0, arrived: 0, noShows: 0 };
      tally.booked += 1;
      if (status === 'arrived') tally.arrived += 1;
      if (status === 'no_show') tally.noShows += 1;
      counts.set(booking.departmentId, tally);
    }
    const waitOf = (departmentId: string, reserved: boolean) => {
      const row = waits.find((w) => w.departmentId === departmentId && num(w.reserved) === (reserved ? 1 : 0));
      return row ? averageSeconds(num(row.waitSumMs), num(row.waitCount)) : null;
    };
    return departments
      .filter((department) => counts.has(department.id) || waits.some((w) => w.departmentId === department.id && num(w.reserved) === 1))
      .map((department) => {
        const { booked, arrived, noShows } = counts.get(department.id) ?? { booked: 0, arrived: 0, noShows: 0 };
        return {
          department,
          booked,
          arrived,
          noShows,
          // Of the bookings whose slot has ended (kept or missed); one still to come is neither.
          noShowRate: arrived + noShows > 0 ? noShows / (arrived + noShows) : null,
          waitSeconds: { reserved: waitOf(department.id, true), walkIn: waitOf(department.id, false) },
        };
      });
  }

  /** Bookings of the filter's days (by slot), department and site, with their slot length. */
  #bookings(filter: RecordsStatsFilter) {
    const where: Prisma.Sql[] = [];
    if (filter.from) where.push(Prisma.sql`r."slotStart" >= ${toDbTime(localDayBounds(filter.from).start)}`);
    if (filter.to) where.push(Prisma.sql`r."slotStart" < ${toDbTime(localDayBounds(filter.to).end)}`);
    if (filter.departmentId) where.push(Prisma.sql`r."departmentId" = ${filter.departmentId}`);
    if (filter.siteId) where.push(Prisma.sql`r."siteId" = ${filter.siteId}`);
    return this.#db.$queryRaw<BookingRow[]>`
      SELECT r."departmentId", r.status, r."slotStart", rc."slotMinutes"
        FROM "Reservation" r LEFT JOIN "ReservationCalendar" rc ON rc."departmentId" = r."departmentId"
        ${where.length ? Prisma.sql`WHERE ${Prisma.join(where, ' AND ')}` : Prisma.empty}`;
  }

  /**
   * Waiting time of reserved and walk-in consultations per department. Read from the consultations (on
   * their requestedAt index), not a rollup: a consultation becomes reserved only when its booking is
   * linked to it, after the records writer has written the row.
   */
  #waitsByArrival(filter: RecordsStatsFilter) {
    const where: Prisma.Sql[] = [Prisma.sql`c."waitMs" IS NOT NULL`];
    if (filter.from) where.push(Prisma.sql`c."requestedAt" >= ${toDbTime(localDayBounds(filter.from).start)}`);
    if (filter.to) where.push(Prisma.sql`c."requestedAt" < ${toDbTime(localDayBounds(filter.to).end)}`);
    if (filter.departmentId) where.push(Prisma.sql`c."departmentId" = ${filter.departmentId}`);
    if (filter.siteId) where.push(Prisma.sql`c."siteId" = ${filter.siteId}`);
    return this.#db.$queryRaw<WaitRow[]>`
      SELECT c."departmentId", CASE WHEN r.id IS NULL THEN 0 ELSE 1 END AS reserved, SUM(c."waitMs") AS "waitSumMs", COUNT(*) AS "waitCount"
        FROM "Consultation" c LEFT JOIN "Reservation" r ON r."consultationId" = c.id
       WHERE ${Prisma.join(where, ' AND ')}
       GROUP BY c."departmentId", CASE WHEN r.id IS NULL THEN 0 ELSE 1 END`;
  }

  /** Callback requests of the filter's days (by request), department and site, by status and by who set it. */
  #callbackCounts(filter: RecordsStatsFilter) {
    const where: Prisma.Sql[] = [];
    if (filter.from) where.push(Prisma.sql`cb."createdAt" >= ${toDbTime(localDayBounds(filter.from).start)}`);
    if (filter.to) where.push(Prisma.sql`cb."createdAt" < ${toDbTime(localDayBounds(filter.to).end)}`);
    if (filter.departmentId) where.push(Prisma.sql`cb."departmentId" = ${filter.departmentId}`);
    if (filter.siteId) where.push(Prisma.sql`c."siteId" = ${filter.siteId}`);
    return this.#db.$queryRaw<{ departmentId: string; status: CallbackStatus; outcomeById: string | null; n: Count }[]>`
      SELECT cb."departmentId", cb.status, cb."outcomeById", COUNT(*) AS n
        FROM "CallbackRequest" cb JOIN "Consultation" c ON c.id = cb."consultationId"
        ${where.length ? Prisma.sql`WHERE ${Prisma.join(where, ' AND ')}` : Prisma.empty}
       GROUP BY cb."departmentId", cb.status, cb."outcomeById"`;
  }
}
