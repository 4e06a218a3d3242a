import { describe, expect, it } from 'vitest';
import { importedPackages, packageName, readmeUsage } from './readme-usage.js';

const README = `# app

## Use it in your server

\`\`\`sh
pnpm add @frago/core express@^5 -E
\`\`\`

\`\`\`ts
import express from 'express';
import { join } from 'node:path';
import { readFile } from 'fs/promises';
import { createFrago } from '@frago/core';
import type { Identity } from '@frago/core/node';
import './local.js';
\`\`\`

## Next

\`\`\`ts
import other from 'other';
\`\`\`
`;

describe("reading the README's usage section", () => {
  it('takes the install line and the first snippet of the section, as written', () => {
    const usage = readmeUsage(README);
    expect(usage.install).toEqual(['@frago/core', 'express@^5']);
    expect(usage.snippet.split('\n')[0]).toBe("import express from 'express';");
    expect(usage.snippet).not.toContain('other');
  });

  it('names the packages a snippet imports, without built-in modules and local files', () => {
    expect(importedPackages(readmeUsage(README).snippet)).toEqual(['express', '@frago/core']);
    expect(['express@^5', '@frago/core@0.1.0', '@frago/core/node', 'pg'].map(packageName)).toEqual(['express', '@frago/core', '@frago/core', 'pg']);
  });

  it('refuses a README without the section', () => {
    expect(() => readmeUsage('# app\n')).toThrow('"## Use it in your server"');
  });
});
