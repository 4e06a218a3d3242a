// The tus anchor: `tus.ts DATA_DIR`, @tus/server with @tus/file-store on a data folder,
// with the libraries' defaults (the file store writes each PATCH body at its offset and
// does not fsync). Uploads live under /files; a finished upload is the file DATA_DIR/ID.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FileStore } from '@tus/file-store';
import { Server } from '@tus/server';
import { answerCpuQuestions } from './cpu-answer.js';

const dataDir = process.argv[2] ?? '.';
const tus = new Server({ path: '/files', datastore: new FileStore({ directory: dataDir }) });
const server = createServer((req, res) => void tus.handle(req, res));
server.listen(0, '127.0.0.1', () => {
  console.log(`tus listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
answerCpuQuestions();
process.once('SIGTERM', () => server.close(() => process.exit(0)));
