import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
// Packages the main entry may use: both run on any runtime with web APIs.
const NEUTRAL_PACKAGES = new Set(['hash-wasm', 'mitt']);
// Globals that exist on Node only (Bun and Deno imitate some, edge runtimes do not).
const NODE_GLOBALS = new Set(['Buffer', 'process', 'setImmediate', 'clearImmediate', 'require', '__dirname', '__filename', 'global']);

function resolveRelative(from: string, specifier: string): string {
  const base = join(dirname(from), specifier.replace(/\.js$/, ''));
  const file = [`${base}.ts`, join(base, 'index.ts')].find((candidate) => existsSync(candidate));
  if (file === undefined) throw new Error(`${relative(SRC, from)} imports ${specifier}, which does not exist`);
  return file;
}

/** Every problem in the import graph of `entry`: Node modules, unknown packages, Node-only globals. */
function nodeOnlyUses(entry: string): { files: number; problems: string[] } {
  const seen = new Set<string>();
  const problems: string[] = [];
  const queue = [entry];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    const where = relative(SRC, file);
    for (const { fileName: specifier } of ts.preProcessFile(text, true, true).importedFiles) {
      if (specifier.startsWith('.')) queue.push(resolveRelative(file, specifier));
      else if (!NEUTRAL_PACKAGES.has(specifier)) problems.push(`${where} imports ${specifier}`);
    }
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isIdentifier(node) && NODE_GLOBALS.has(node.text) && !ts.isPropertyAccessExpression(node.parent)) {
        problems.push(`${where} uses ${node.text}`);
      }
      if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && NODE_GLOBALS.has(node.expression.text)) {
        problems.push(`${where} uses ${node.expression.text}`);
      }
      if (!(ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression))) ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { files: seen.size, problems: [...new Set(problems)] };
}

describe('the main entry of @frago/core', () => {
  it('imports nothing from Node and uses no Node-only global, anywhere in its graph', () => {
    const { files, problems } = nodeOnlyUses(join(SRC, 'index.ts'));
    expect(files).toBeGreaterThan(20);
    expect(problems).toEqual([]);
  });

  it('is checked: the Node entry, which may use Node, is found to', () => {
    const { problems } = nodeOnlyUses(join(SRC, 'node', 'index.ts'));
    expect(problems).toEqual(expect.arrayContaining(['node/request.ts imports node:http', 'node/response.ts uses Buffer']));
  });
});
