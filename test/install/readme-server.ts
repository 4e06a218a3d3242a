import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

/**
 * What is put before the README's snippet so that it runs as it stands; the snippet's
 * text follows unchanged. Node.js runs the file as TypeScript by stripping its types.
 */
const GLUE = `// Added before the README's "Use it in your server" snippet, which follows unchanged:
// - \`yourAuthentication\` stands for the application's own login; here every caller is
//   the user "readme-user".
// - The snippet listens on port 3000, which may be taken where this runs: listen(3000)
//   binds a free port instead, and the server prints the address it got.
import { Server } from 'node:net';

function yourAuthentication(req, _res, next) {
  req.user = 'readme-user';
  next();
}

const listen = Server.prototype.listen;
Server.prototype.listen = function (...args) {
  if (args[0] === 3000) {
    args[0] = 0;
    this.once('listening', () => console.log(\`listening on http://127.0.0.1:\${this.address().port}\`));
  }
  return listen.apply(this, args);
};

// The README's snippet:
`;

/** Writes the snippet with its glue to `<dir>/server.ts` and runs it there with Node.js until it listens. */
export async function startReadmeServer(snippet: string, dir: string): Promise<ServerProcess> {
  const file = join(dir, 'server.ts');
  await writeFile(file, GLUE + snippet);
  return startServerProcess(file, {}, { cwd: dir });
}
