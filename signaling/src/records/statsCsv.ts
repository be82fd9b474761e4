import { CALLBACK_STATUS_LABELS, CALLBACK_STATUSES, ConsultationOutcome, OUTCOME_LABELS, type RecordsStatsCsvQuery } from '@madoguchi/protocol';
import type { StatsBreakdownResponse } from './StatsBreakdown.ts';

/** A table of the statistics screen as CSV rows for Excel, in Japanese (the fields go through csv.ts). */
export interface CsvTable {
  header: readonly string[];
  rows: (string | number | null)[][];
}

/** The statistics' tables of the CSV export: per operator, per 相談種別, callback requests by status per department, 予約 per department. */
export function statsCsvTable(stats: StatsBreakdownResponse, breakdown: RecordsStatsCsvQuery['breakdown']): CsvTable {
  switch (breakdown) {
    case 'operator':
      return {
        header: ['担当職員', '対応件数', '対応時間 中央値(秒)', '対応時間 平均(秒)', '転送', '満足度 平均(1-5)', '満足度 回答数', '折り返し 対応済み', '折り返し 不在・つながらず'],
        rows: stats.byOperator.map((o) => [
          o.operator.name,
          o.count,
          o.talkSeconds.median,
          o.talkSeconds.average,
          o.transfers,
          o.satisfaction.average,
          o.satisfaction.rated,
          o.callbacks.done,
          o.callbacks.unreachable,
        ]),
      };
    case 'category':
      return {
        header: [
          '担当課',
          '相談種別',
          '件数',
          '待ち時間 中央値(秒)',
          '対応時間 中央値(秒)',
          ...ConsultationOutcome.options.map((outcome) => OUTCOME_LABELS[outcome]),
          '満足度 平均(1-5)',
          '満足度 回答数',
        ],
        rows: stats.byCategory.map((c) => [
          c.department.name,
          c.category?.name ?? '（相談種別なし）',
          c.count,
          c.waitSeconds.median,
          c.talkSeconds.median,
          ...ConsultationOutcome.options.map((outcome) => c.outcomes[outcome]),
          c.satisfaction.average,
          c.satisfaction.rated,
        ]),
      };
    case 'reservations':
      return {
        header: ['担当課', '予約', '来所', '来なかった', '無断キャンセル率(%)', '待ち時間 平均(秒) 予約', '待ち時間 平均(秒) 予約なし'],
        rows: stats.reservations.map((r) => [
          r.department.name,
          r.booked,
          r.arrived,
          r.noShows,
          r.noShowRate === null ? null : Math.round(r.noShowRate * 1000) / 10,
          r.waitSeconds.reserved,
          r.waitSeconds.walkIn,
        ]),
      };
    case 'callbacks':
      return {
        header: ['担当課', '折り返し依頼', ...CALLBACK_STATUSES.map((status) => CALLBACK_STATUS_LABELS[status])],
        rows: [
          ...stats.callbacks.byDepartment.map((d) => [d.department.name, d.open + d.done + d.unreachable, ...CALLBACK_STATUSES.map((status) => d[status])]),
          ['合計', stats.callbacks.open + stats.callbacks.done + stats.callbacks.unreachable, ...CALLBACK_STATUSES.map((status) => stats.callbacks[status])],
        ],
      };
  }
}
