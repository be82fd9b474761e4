/**
 * Japanese public holidays (国民の祝日, 振替休日 and 国民の休日) as data, in Asia/Tokyo calendar dates.
 *
 * The equinox holidays are fixed by the Cabinet Office each February for the following year, so this list
 * is data to refresh yearly (or to replace by the city's own calendar through `closedDates`), not a rule.
 * The year-end closure (12/29–1/3) is not a public holiday: it is an annual closure in the configuration.
 */
export const JAPANESE_PUBLIC_HOLIDAYS: readonly string[] = [
  // 2025
  '2025-01-01', '2025-01-13', '2025-02-11', '2025-02-23', '2025-02-24', '2025-03-20', '2025-04-29',
  '2025-05-03', '2025-05-04', '2025-05-05', '2025-05-06', '2025-07-21', '2025-08-11', '2025-09-15',
  '2025-09-23', '2025-10-13', '2025-11-03', '2025-11-23', '2025-11-24',
  // 2026
  '2026-01-01', '2026-01-12', '2026-02-11', '2026-02-23', '2026-03-20', '2026-04-29', '2026-05-03',
  '2026-05-04', '2026-05-05', '2026-05-06', '2026-07-20', '2026-08-11', '2026-09-21', '2026-09-22',
  '2026-09-23', '2026-10-12', '2026-11-03', '2026-11-23',
  // 2027
  '2027-01-01', '2027-01-11', '2027-02-11', '2027-02-23', '2027-03-21', '2027-03-22', '2027-04-29',
  '2027-05-03', '2027-05-04', '2027-05-05', '2027-07-19', '2027-08-11', '2027-09-20', '2027-09-23',
  '2027-10-11', '2027-11-03', '2027-11-23',
];
