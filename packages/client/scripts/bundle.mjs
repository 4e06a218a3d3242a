// Builds the browser bundle: dist/browser/frago-client.js and its hash worker, ES
// modules a page can load as they are. platform "browser" makes any Node import an
// error, which keeps the main entry free of them.
import { build } from 'esbuild';

await build({
  entryPoints: {
    'frago-client': 'src/bundle.ts',
    'frago-hash-worker': 'src/hash-worker.ts',
  },
  outdir: 'dist/browser',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
});
