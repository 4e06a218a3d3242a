import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { browserOnDefaultServer } from './support/browser-on-default-server.js';
import { keepScreenshot } from './support/test-output.js';

const MiB = 1024 * 1024;
const CHUNK = 8 * MiB;

describe('the default server page in Chromium', () => {
  const session = browserOnDefaultServer();

  it('uploads 50 MiB, survives a cut connection and a reload, and shows the file verified', async () => {
    const { server, browser } = session;
    const { path, bytes } = await server.sourceFile('video.bin', 50 * MiB);
    const { page } = browser;
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const scripts: string[] = [];
    page.on('request', (request) => scripts.push(new URL(request.url()).pathname));
    await page.goto(`${server.origin}/`);

    // Three chunks get through, then the connection is cut for every chunk.
    let puts = 0;
    await page.route('**/upload/*/', (route) =>
      route.request().method() === 'PUT' && ++puts > 3 ? route.abort('connectionreset') : route.continue(),
    );
    await page.setInputFiles('#files', path);
    const row = page.locator('.file').first();
    await row.locator('.state', { hasText: 'retrying' }).waitFor();
    await row.locator('[data-act="pause"]').click();
    await expect.poll(() => row.getAttribute('data-phase')).toBe('paused');
    await keepScreenshot(page, 'browser-paused.png');
    const id = (await row.getAttribute('data-upload-id'))!;
    const held = (await (await fetch(`${server.origin}/upload/${id}/`)).json()) as { received_bytes: number; status: string };
    expect(held).toMatchObject({ status: 'in_progress', received_bytes: 3 * CHUNK });

    // The connection is back; the tab is reloaded and the same file is chosen again.
    await page.unroute('**/upload/*/');
    await page.reload();
    const resent: string[] = [];
    page.on('request', (request) => request.method() === 'PUT' && resent.push(request.headers()['content-range'] ?? ''));
    await page.setInputFiles('#files', path);
    const again = page.locator('.file').first();
    await again.locator('.state.done').waitFor({ timeout: 60_000 });

    const md5 = createHash('md5').update(bytes).digest('hex');
    expect(await again.locator('.state').innerText()).toBe(`\u2713 Verified: md5 ${md5} (resumed)`);
    expect(await again.getAttribute('data-upload-id')).toBe(id);
    expect(resent).toHaveLength(Math.ceil(bytes.length / CHUNK) - 3);
    expect(scripts).toContain('/frago-client.js');
    expect(scripts).toContain('/frago-hash-worker.js');
    expect(errors).toEqual([]);
    await keepScreenshot(page, 'browser-upload.png');
    expect((await server.assembled(id, 'video.bin')).equals(bytes)).toBe(true);
  });
  it('takes several files dropped on the page and verifies each', async () => {
    const { server, browser } = session;
    const { page } = browser;
    await page.goto(`${server.origin}/`);
    const files = [
      { name: 'notes.txt', text: 'frago '.repeat(200_000) },
      { name: 'empty.txt', text: '' },
    ];
    // Built in the page (as text: the type check here has no DOM types), then dropped.
    const dataTransfer = await page.evaluateHandle(`(() => {
      const transfer = new DataTransfer();
      for (const file of ${JSON.stringify(files)}) transfer.items.add(new File([file.text], file.name));
      return transfer;
    })()`);
    await page.dispatchEvent('#drop', 'drop', { dataTransfer });
    const rows = page.locator('.file');
    await expect.poll(() => rows.locator('.state.done').count(), { timeout: 30_000 }).toBe(2);
    for (const [index, file] of files.entries()) {
      const row = rows.nth(index);
      expect(await row.locator('.name').innerText()).toBe(file.name);
      const md5 = createHash('md5').update(file.text).digest('hex');
      expect(await row.locator('.state').innerText()).toBe(`\u2713 Verified: md5 ${md5}`);
      const id = (await row.getAttribute('data-upload-id'))!;
      expect((await server.assembled(id, file.name)).toString()).toBe(file.text);
    }
  });
});
