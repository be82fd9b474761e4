import { defineConfig } from 'vitest/config';

/** Unit tests of the load bench's pure parts (readers, RTP, SRTP, STUN, the knee); the e2e run under Playwright. */
export default defineConfig({ test: { name: 'tests', include: ['bench/load/**/*.test.ts'] } });
