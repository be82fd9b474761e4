import { defineConfig } from 'vitest/config';

/** One vitest run over every workspace that has tests (each has its own include rules). */
export default defineConfig({
  test: {
    projects: ['protocol', 'sfu', 'prisma', 'signaling', 'signaling/vitest.postgres.config.ts', 'web-client', 'operator-console', 'tests'],
  },
});
