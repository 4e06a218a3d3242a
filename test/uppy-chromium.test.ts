import { describe, expect, it } from 'vitest';
import { bundleForBrowser } from './support/browser-bundle.js';
import { browserOnDefaultServer } from './support/browser-on-default-server.js';
import { keepScreenshot } from './support/test-output.js';

const MiB = 1024 * 1024;

/** The page an application builds with Uppy 6: a Dashboard uploading through @uppy/tus, with tus-js-client's parallel uploads on. */
const ENTRY = `
import Uppy from '@uppy/core';
import Dashboard from '@uppy/dashboard';
import Tus from '@uppy/tus';
import '@uppy/core/css/style.min.css';
import '@uppy/dashboard/css/style.min.css';

const uppy = new Uppy({ autoProceed: false })
  .use(Dashboard, { inline: true, target: '#uppy', proudlyDisplayPoweredByUppy: false })
  .use(Tus, { endpoint: new URL('/files/', location.href).href, parallelUploads: 3, retryDelays: [] });
uppy.on('complete', (result) => {
  window.uppyResult = {
    successful: (result.successful ?? []).map((file) => ({ name: file.name, url: file.uploadURL })),
    failed: (result.failed ?? []).map((file) => ({ name: file.name, error: String(file.error) })),
  };
});
`;

/** The page's HTML with its bundled script and styles inlined. */
async function bundlePage(): Promise<string> {
  const { script, styles } = await bundleForBrowser({ source: ENTRY }, 'iife');
  return `<!doctype html><html><head><meta charset="utf-8"><title>Uppy</title><style>${styles}</style></head>
<body><div id="uppy"></div><script>${script.replaceAll('</script', '<\\/script')}</script></body></html>`;
}

describe('Uppy 6 (@uppy/core, @uppy/dashboard, @uppy/tus) in Chromium, against the default server', () => {
  const session = browserOnDefaultServer();

  it('uploads two files added through the Dashboard, each in three parallel parts joined on the server, byte-identical', async () => {
    const { server, browser } = session;
    const html = await bundlePage();
    const files = [await server.sourceFile('holiday.mp4', 3 * MiB + 11), await server.sourceFile('notes.txt', 200_003)];
    const { page } = browser;
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    // Served from the server's own origin, as an application serves its page next to its API.
    await page.route(`${server.origin}/uppy.html`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: html }));
    await page.goto(`${server.origin}/uppy.html`);

    await page.locator('input.uppy-Dashboard-input[type=file]').first().setInputFiles(files.map((file) => file.path));
    await expect.poll(() => page.locator('.uppy-Dashboard-Item').count()).toBe(2);
    await page.locator('.uppy-StatusBar-actionBtn--upload').click();
    await page.waitForFunction(() => 'uppyResult' in globalThis, undefined, { timeout: 60_000 });
    await keepScreenshot(page, 'uppy-dashboard.png');

    const result = (await page.evaluate(() => (globalThis as unknown as { uppyResult: unknown }).uppyResult)) as {
      successful: Array<{ name: string; url: string }>;
      failed: unknown[];
    };
    expect(result.failed).toEqual([]);
    expect(result.successful.map((file) => file.name).sort()).toEqual(['holiday.mp4', 'notes.txt']);
    for (const { name, url } of result.successful) {
      const id = url.split('/').pop() ?? '';
      const source = files.find((file) => file.path.endsWith(name));
      expect((await server.assembled(id, name)).equals(source?.bytes ?? Buffer.alloc(0))).toBe(true);
      const status = (await (await fetch(`${server.origin}/upload/${id}/`)).json()) as { status: string; metadata: Record<string, unknown> };
      expect(status.status).toBe('complete');
      // The final of a concatenation of three parts: tus-js-client's parallel uploads reached the server.
      expect(String(status.metadata['tus-concat']).split(' ')).toHaveLength(3);
    }
    expect(errors).toEqual([]);
  });
});
