import { defineConfig } from 'vitest/config';

// Tests import every workspace package from its TypeScript source, not its build output.
export const conditions = ['@frago/source', 'module', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    // The long tests run with `pnpm test:stress` (vitest.stress.config.ts).
    exclude: ['**/node_modules/**', 'test/stress/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: true,
  },
});
