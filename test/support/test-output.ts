import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT } from './server-process.js';

/** Where tests keep what a person may want to look at afterwards: screenshots, terminal screens. Not in git. */
export const TEST_OUTPUT = join(ROOT, '.test-output');

/** Keeps the whole page as `.test-output/<name>`. */
export async function keepScreenshot(page: Page, name: string): Promise<void> {
  await mkdir(TEST_OUTPUT, { recursive: true });
  await page.screenshot({ path: join(TEST_OUTPUT, name), fullPage: true });
}

/** Keeps a text (a terminal's screen) as `.test-output/<name>`. */
export async function keepText(name: string, text: string): Promise<void> {
  await mkdir(TEST_OUTPUT, { recursive: true });
  await writeFile(join(TEST_OUTPUT, name), `${text}\n`);
}
