import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'signaling',
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests start mediasoup workers: one file at a time keeps the 2-core machine calm.
    fileParallelism: false,
  },
});
