import { defineConfig } from 'vitest/config';
import { conditions } from './vitest.config.js';

// The long tests (crash loop, disconnects, load, fuzzing over a socket), run by
// `pnpm test:stress` after `pnpm test`. One file at a time: they measure processes.
export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['test/stress/**/*.test.ts'],
    // The S3 crash target needs the test S3 server, found or started once per run.
    globalSetup: ['test/support/s3-global-setup.ts'],
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    testTimeout: 300_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
