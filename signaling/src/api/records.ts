import { once } from 'node:events';
import { Router, type Request, type Response } from 'express';
import type { PrismaClient } from '@madoguchi/db';
import {
  AuditListQuery,
  Id,
  OUTCOME_LABELS,
  ProtocolError,
  RecordsFilter,
  RecordsListQuery,
  RecordsSettingsUpdate,
  RecordsStatsCsvQuery,
  RecordsStatsQuery,
  type RecordsStatsResponse,
  type AuditListResponse,
  type RecordsFilterOptions,
  type RecordsListResponse,
  type RecordsSettings,
} from '@madoguchi/protocol';
import { createLogger } from '@madoguchi/protocol/logger';
import type { Principal, StaffPrincipal } from '../auth/principal.ts';
import type { AuditLog } from '../records/AuditLog.ts';
import { csvLine, isoWithOffset, UTF8_BOM } from '../records/csv.ts';
import { decodeCursor, encodeCursor, RecordsQuery, type RecordsScope } from '../records/RecordsQuery.ts';
import { StatsBreakdown } from '../records/StatsBreakdown.ts';
import { statsCsvTable } from '../records/statsCsv.ts';
import type { SettingsStore } from '../records/SettingsStore.ts';
import { parseBody } from './errors.ts';

const logger = createLogger('records');

type AuthedRequest = Request & { principal?: Principal };

export interface RecordsApiDependencies {
  db: PrismaClient;
  audit: AuditLog;
  settings: SettingsStore;
}

/** The CSV's columns, in Japanese for the people who open it in Excel. */
export const RECORDS_CSV_HEADER = [
  '相談ID',
  '受付日時',
  '窓口',
  '担当課',
  '担当職員',
  '待ち時間(秒)',
  '対応時間(秒)',
  '結果',
  '満足度(1-5)',
] as const;

function staffOf(req: AuthedRequest): StaffPrincipal {
  const principal = req.principal;
  if (principal?.kind !== 'staff') throw new ProtocolError('FORBIDDEN', 'staff account required');
  return principal;
}

/** Supervisors and admins see every record; an operator only the consultations they took part in. */
function scopeOf(staff: StaffPrincipal): RecordsScope {
  return staff.role === 'operator' ? { kind: 'participant', staffId: staff.staffId } : { kind: 'all' };
}

function requireSupervisor(staff: StaffPrincipal): void {
  if (staff.role !== 'supervisor' && staff.role !== 'admin') throw new ProtocolError('FORBIDDEN', 'not allowed for this account');
}

/**
 * Session records (相談記録), mounted at /api/records behind `authenticate`:
 *   GET /            list, newest first, keyset paged (operators: their own consultations)
 *   GET /options     what the filters can choose from (supervisor, admin)
 *   GET /export.csv  the filtered list as CSV for Excel (supervisor, admin; audited)
 *   GET /stats       the charts, per operator, per 相談種別 and the callbacks by status (supervisor, admin)
 *   GET /stats.csv   one of those tables as CSV (`breakdown`: operator, category, callbacks; supervisor, admin; audited)
 *   GET /:id         one record with its timeline (operators: their own, others → 404; audited)
 * Audited reads are written to the trail before the data is sent: no trail, no data.
 */
export function createRecordsRouter({ db, audit, settings }: RecordsApiDependencies): Router {
  const router = Router();
  const records = new RecordsQuery(db);
  const breakdown = new StatsBreakdown(db);

  /** Headers of a CSV download named `<name>-<JST time>.csv` (ASCII `fallback` for old browsers). */
  const csvDownload = (res: Response, fallback: string, name: string) => {
    const stamp = isoWithOffset(new Date()).slice(0, 16).replace(/[-:T]/g, '');
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${fallback}-${stamp}.csv"; filename*=UTF-8''${encodeURIComponent(`${name}-${stamp}.csv`)}`);
    res.setHeader('Cache-Control', 'no-store');
  };

  router.get('/', async (req: AuthedRequest, res: Response) => {
    const staff = staffOf(req);
    const { cursor: token, limit, ...filter } = parseBody(RecordsListQuery, req.query);
    const cursor = token === undefined ? undefined : decodeCursor(token);
    if (token !== undefined && !cursor) throw new ProtocolError('BAD_REQUEST', 'cursor: invalid');
    const { rows, next } = await records.list(filter, scopeOf(staff), { cursor, limit });
    const body: RecordsListResponse = {
      records: rows.map((row) => ({ ...row, requestedAt: row.requestedAt.toISOString() })),
      nextCursor: next ? encodeCursor(next) : null,
    };
    res.json(body);
  });

  router.get('/options', async (req: AuthedRequest, res: Response) => {
    requireSupervisor(staffOf(req));
    const [departments, sites, operators] = await Promise.all([
      db.department.findMany({ orderBy: { sortOrder: 'asc' } }),
      db.site.findMany({ orderBy: [{ createdAt: 'asc' }, { name: 'asc' }] }),
      db.staff.findMany({ where: { role: 'operator' }, orderBy: { username: 'asc' } }),
    ]);
    const body: RecordsFilterOptions = {
      departments: departments.map(({ id, code, name }) => ({ id, code, name })),
      sites: sites.map(({ id, name }) => ({ id, name })),
      operators: operators.map(({ id, displayName }) => ({ id, name: displayName })),
    };
    res.json(body);
  });

  router.get('/export.csv', async (req: AuthedRequest, res: Response) => {
    const staff = staffOf(req);
    requireSupervisor(staff);
    const filter = parseBody(RecordsFilter, req.query);
    await audit.write({ staffId: staff.staffId, action: 'records.export', details: { filter } });

    csvDownload(res, 'records', '相談記録');
    res.write(UTF8_BOM + csvLine(RECORDS_CSV_HEADER));
    let closed = false;
    res.on('close', () => {
      closed = true;
    });
    try {
      for await (const page of records.iterate(filter, { kind: 'all' })) {
        if (closed) return;
        const chunk = page
          .map((row) =>
            csvLine([
              row.id,
              isoWithOffset(row.requestedAt),
              row.site.name,
              row.department.name,
              row.operator?.name ?? '',
              row.waitSeconds,
              row.talkSeconds,
              row.outcome ? OUTCOME_LABELS[row.outcome] : '対応中',
              row.satisfaction,
            ]),
          )
          .join('');
        // Back-pressure: wait for the socket to drain before fetching the next page.
        if (!res.write(chunk)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
      }
      res.end();
    } catch (error) {
      // The status line is gone: cut the download short so it cannot pass for a complete file.
      logger.error('records export failed:', error);
      res.destroy(error as Error);
    }
  });

  router.get('/stats', async (req: AuthedRequest, res: Response) => {
    requireSupervisor(staffOf(req));
    const { serviceLevelSeconds, ...filter } = parseBody(RecordsStatsQuery, req.query);
    const thresholdSeconds = serviceLevelSeconds ?? (await settings.get()).serviceLevelSeconds;
    const [daily, breakdowns] = await Promise.all([records.stats(filter, { thresholdSeconds }), breakdown.compute(filter)]);
    const body: RecordsStatsResponse = { ...daily, ...breakdowns };
    res.json(body);
  });

  router.get('/stats.csv', async (req: AuthedRequest, res: Response) => {
    const staff = staffOf(req);
    requireSupervisor(staff);
    const { breakdown: table, ...filter } = parseBody(RecordsStatsCsvQuery, req.query);
    const { header, rows } = statsCsvTable(await breakdown.compute(filter), table);
    // Figures per named staff member: who took them out of the system is on the record, like the records' export.
    await audit.write({ staffId: staff.staffId, action: 'records.export', details: { statistics: table, filter } });
    csvDownload(res, `statistics-${table}`, { operator: '職員別統計', category: '相談種別統計', callbacks: '折り返し統計', reservations: '予約統計' }[table]);
    res.end(UTF8_BOM + [header, ...rows].map((fields) => csvLine(fields)).join(''));
  });

  router.get('/:id', async (req: AuthedRequest, res: Response) => {
    const staff = staffOf(req);
    const id = Id.safeParse(req.params.id);
    const detail = id.success ? await records.detail(id.data, scopeOf(staff)) : undefined;
    // Someone else's record is reported as missing, so ids cannot be probed.
    if (!detail) throw new ProtocolError('NOT_FOUND', 'no such record');
    await audit.write({ staffId: staff.staffId, action: 'record.view', targetId: detail.id });
    res.json(detail);
  });

  return router;
}

/** Records settings (mounted at /api/admin/settings behind authenticate): supervisors read, admins change. */
export function createSettingsRouter({ settings }: { settings: SettingsStore }): Router {
  const router = Router();
  router.get('/', async (req: AuthedRequest, res: Response) => {
    requireSupervisor(staffOf(req));
    const body: RecordsSettings = await settings.get();
    res.json(body);
  });
  router.put('/', async (req: AuthedRequest, res: Response) => {
    const staff = staffOf(req);
    if (staff.role !== 'admin') throw new ProtocolError('FORBIDDEN', 'not allowed for this account');
    const body: RecordsSettings = await settings.update(staff.staffId, parseBody(RecordsSettingsUpdate, req.body));
    res.json(body);
  });
  return router;
}

/** The audit trail, newest first (mounted at /api/audit behind authenticate + admin). */
export function createAuditRouter({ db }: { db: PrismaClient }): Router {
  const router = Router();
  router.get('/', async (req: AuthedRequest, res: Response) => {
    const query = parseBody(AuditListQuery, req.query);
    const rows = await db.auditLog.findMany({
      where: {
        ...(query.cursor ? { id: { lt: query.cursor } } : {}),
        ...(query.staffId ? { staffId: query.staffId } : {}),
        ...(query.action ? { action: query.action } : {}),
      },
      orderBy: { id: 'desc' },
      take: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const staff = await db.staff.findMany({ where: { id: { in: [...new Set(page.map((row) => row.staffId))] } } });
    const names = new Map(staff.map((s) => [s.id, s.displayName]));
    const body: AuditListResponse = {
      entries: page.map((row) => ({
        id: row.id,
        at: row.at.toISOString(),
        staffId: row.staffId,
        staffName: names.get(row.staffId) ?? null,
        action: row.action,
        targetId: row.targetId,
        details: row.details === null ? null : (JSON.parse(row.details) as unknown),
        views: row.views,
        lastAt: row.lastAt?.toISOString() ?? null,
      })),
      nextCursor: rows.length > query.limit ? page.at(-1)!.id : null,
    };
    res.json(body);
  });
  return router;
}
