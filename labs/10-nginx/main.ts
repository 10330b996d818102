// Lab 10-nginx: the backends behind nginx.
//
// The checker starts this file, then starts nginx itself with your
// nginx.conf.template. nginx listens on HOST:PORT (127.0.0.1); behind it
// stand three backends, each its own process on its own loopback address,
// all on the same PORT: 127.0.0.2, 127.0.0.3 and 127.0.0.4 play three
// machines. Linux routes the whole of 127.0.0.0/8 to the loopback
// interface, so no setup is needed (macOS: see the lesson).
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const PORT = Number(process.env.PORT ?? 8080);
const BACKENDS = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
const BACKEND_FILE = fileURLToPath(new URL('./backend.ts', import.meta.url));

const children = new Set<ChildProcess>();
let shuttingDown = false;

// TODO: fork BACKEND_FILE once per address in BACKENDS, with BACKEND_HOST
// set to that address (and PORT) in its environment. Keep each child in
// `children`, remove it when it exits, and exit once all are gone during
// a shutdown. Do not start a replacement: a dead backend is nginx's to
// route around (the checker kills one on purpose).
void fork;
void BACKEND_FILE;

function shutdown(): void {
  if (shuttingDown) return;
  shuttingDown = true;
  if (children.size === 0) process.exit(0);
  setTimeout(() => process.exit(1), 2000).unref();
  for (const child of children) child.kill('SIGTERM');
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
console.log(`[main] pid ${process.pid}: backends on ${BACKENDS.map((address) => `${address}:${PORT}`).join(', ')}`);
