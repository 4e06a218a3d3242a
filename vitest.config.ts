import { defineConfig } from 'vitest/config';

// Tests import every workspace package from its TypeScript source, not its build output.
// No `module` condition: it would pick the AWS SDK's bundler-only build, which Node cannot load.
export const conditions = ['@frago/source', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    // The long tests run with `pnpm test:stress` (vitest.stress.config.ts).
    exclude: ['**/node_modules/**', 'test/stress/**'],
    globalSetup: ['test/support/s3-global-setup.ts'],
    // The SDK warns once per process that its later releases need Node 22; this one does not.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: true,
    // Most files wait on servers, databases and browsers they start, so two at a time
    // halve the run on a 2-core machine (vitest's own default there is one).
    maxWorkers: 2,
  },
});
