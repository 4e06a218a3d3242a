import { afterAll, beforeAll } from 'vitest';
import { launchChromium, type Chromium } from './chromium.js';
import { startDefaultServer, type DefaultServer } from './default-server.js';

/** The default server and a headless Chromium, for the tests of one file. */
export interface BrowserOnDefaultServer {
  readonly server: DefaultServer;
  readonly browser: Chromium;
}

/**
 * Starts the default server and Chromium before the file's tests and closes both after
 * them. The returned object's fields are there once the tests run.
 */
export function browserOnDefaultServer(): BrowserOnDefaultServer {
  const started = {} as { server: DefaultServer; browser: Chromium };
  beforeAll(async () => {
    started.server = await startDefaultServer();
    started.browser = await launchChromium();
  });
  afterAll(async () => {
    await started.browser?.close();
    await started.server?.close();
  });
  return started;
}
