import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';

/** What an npm command printed (stdout and stderr, interleaved) and how it exited. */
export interface NpmRun {
  readonly code: number | null;
  readonly output: string;
}

/**
 * The environment for npm and everything it starts, on the Node.js this test runs on
 * (the one pnpm scripts use): its folder comes first on PATH, so npm, install scripts
 * and node-gyp run on it, and node-gyp compiles native modules against the headers it
 * ships (`include/node`), so nothing is downloaded and nothing is built for another
 * Node.js (a user's npmrc may name one). The variables a parent package manager sets
 * for its own scripts are left out: they describe this workspace, not the new project.
 */
export function nodeEnvironment(): NodeJS.ProcessEnv {
  const home = dirname(dirname(process.execPath));
  if (!existsSync(join(home, 'include/node/node.h'))) throw new Error(`${process.execPath} comes without headers in ${home}/include/node`);
  const inherited = Object.entries(process.env).filter(([key]) => !/^(npm_(config_user_agent|lifecycle_|package_|execpath|node_execpath)|pnpm_|PNPM_)/i.test(key));
  return {
    ...Object.fromEntries(inherited),
    PATH: [dirname(process.execPath), process.env.PATH ?? ''].join(delimiter),
    npm_config_nodedir: home,
    // node-gyp compiles on every core.
    JOBS: 'max',
  };
}

/** Runs `npm <args>` in `cwd`. */
export function npm(args: readonly string[], cwd: string): Promise<NpmRun> {
  const child = spawn('npm', args, { cwd, env: nodeEnvironment(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (piece: Buffer) => (output += piece.toString()));
  child.stderr.on('data', (piece: Buffer) => (output += piece.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

/** Makes `dir` a new npm project (a package.json with nothing installed, no lock file) for ES modules. */
export async function createNpmProject(dir: string): Promise<void> {
  await writeFile(join(dir, 'package.json'), `${JSON.stringify({ name: 'frago-readme-server', private: true, type: 'module' }, null, 2)}\n`);
}
