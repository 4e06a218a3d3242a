import { defineConfig } from 'vitest/config';
import { conditions } from './vitest.config.js';

// The long tests (crash loop, disconnects, load, fuzzing over a socket), run by
// `pnpm test:stress` after `pnpm test`. One file at a time: they measure processes.
export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['test/stress/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
