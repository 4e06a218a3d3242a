// Builds the browser bundle: dist/browser/frago-client.js and its hash worker, ES
// modules a page can load as they are. platform "browser" makes any Node import an
// error, which keeps the main entry free of them.
import { readFile, writeFile } from 'node:fs/promises';
import { build } from 'esbuild';

const outdir = 'dist/browser';
const { metafile } = await build({
  entryPoints: {
    'frago-client': 'src/bundle.ts',
    'frago-hash-worker': 'src/hash-worker.ts',
  },
  outdir,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});

// esbuild names a bundled dependency's source by its path in this workspace's store
// (../../../../node_modules/.pnpm/<name>@<version>/node_modules/<name>/...), outside the
// published package. The map carries every source's text, so it is renamed to where an
// installation nests it (../../node_modules/<name>/...), which stays inside the package.
for (const output of Object.keys(metafile.outputs).filter((file) => file.endsWith('.map'))) {
  const map = JSON.parse(await readFile(output, 'utf8'));
  map.sources = map.sources.map((source) => source.replace(/^(?:\.\.\/)+node_modules\/(?:.*\/node_modules\/)?/, '../../node_modules/'));
  await writeFile(output, JSON.stringify(map));
}
