// Lab 10-nginx, reference solution: the backends.
//
// nginx, started by the checker, is the only thing on HOST:PORT. Behind it
// stand three backends, each its own process, each on its own loopback
// address: 127.0.0.2, 127.0.0.3 and 127.0.0.4, all on the same PORT. Linux
// routes the whole of 127.0.0.0/8 to the loopback interface, so three
// addresses behave like three machines that all run the app on one port.
// nginx.conf.template names the same three addresses in its upstreams.
//
// This file only starts the backends and stops them: balancing, failover
// and keep-alive are nginx's work, configured in nginx.conf.template.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const PORT = Number(process.env.PORT ?? 8080);
const BACKENDS = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
const BACKEND_FILE = fileURLToPath(new URL('./backend.ts', import.meta.url));

const children = new Set<ChildProcess>();
let shuttingDown = false;

for (const address of BACKENDS) {
  // Each backend gets its address in BACKEND_HOST and listens there only,
  // never on 0.0.0.0: a backend reachable from every network would let
  // clients walk around nginx.
  const child = fork(BACKEND_FILE, { env: { ...process.env, BACKEND_HOST: address, PORT: String(PORT) } });
  children.add(child);
  child.on('exit', (code, signal) => {
    children.delete(child);
    // A dead backend is nginx's problem to route around, not ours to hide:
    // the checker kills one on purpose to watch nginx fail over.
    if (!shuttingDown) console.error(`[main] backend ${address} (pid ${child.pid}) ended: ${signal ?? `code ${code}`}`);
    if (shuttingDown && children.size === 0) process.exit(0);
  });
}

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
