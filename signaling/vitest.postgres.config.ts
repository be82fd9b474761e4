import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

/**
 * The records tests (list and keyset paging, statistics, the writer thread, retention), the routing
 * and call tests, the restart's resume and the cluster's take-over again, with each test server on
 * PostgreSQL instead of SQLite (test/harness.ts starts a cluster per file).
 */
export default defineConfig({
  test: {
    ...base.test,
    name: 'signaling-postgres',
    include: [
      'test/records.test.ts',
      'test/statsBreakdown.test.ts',
      'test/routing.test.ts',
      'test/offers.test.ts',
      'test/call.test.ts',
      'test/resume.test.ts',
      'test/takeover.test.ts',
    ],
    env: { MADOGUCHI_TEST_DATABASE: 'postgresql' },
    // After the other projects, not beside signaling's: two servers' tests at once crowd two cores.
    sequence: { ...base.test?.sequence, groupOrder: 1 },
  },
});
