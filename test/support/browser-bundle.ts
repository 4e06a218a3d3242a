import { join } from 'node:path';
import { build } from 'esbuild';
import { ROOT } from './server-process.js';

/** A page's script and styles, bundled for the browser. */
export interface BrowserBundle {
  readonly script: string;
  /** The CSS the script imports, empty when it imports none. */
  readonly styles: string;
}

/**
 * Bundles a page's entry (a file below the repository, or source text resolved from its
 * root) for Chromium with esbuild, as an application's build would, in memory.
 */
export async function bundleForBrowser(entry: { readonly file: string } | { readonly source: string }, format: 'esm' | 'iife' = 'esm'): Promise<BrowserBundle> {
  const result = await build({
    ...('file' in entry ? { entryPoints: [join(ROOT, entry.file)] } : { stdin: { contents: entry.source, resolveDir: ROOT, sourcefile: 'page.js', loader: 'js' as const } }),
    bundle: true,
    format,
    platform: 'browser',
    target: 'chrome120',
    // Never written: the names only tell the script and its styles apart.
    outfile: join(ROOT, '.test-output', 'page.js'),
    write: false,
    logLevel: 'silent',
  });
  if (result.errors.length > 0) throw new Error(`the page did not bundle: ${result.errors.map((error) => error.text).join('; ')}`);
  const text = (extension: string) => result.outputFiles.find((file) => file.path.endsWith(extension))?.text ?? '';
  return { script: text('.js'), styles: text('.css') };
}
