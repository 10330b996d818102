// Lab 09-shared-state: the primary.
//
// This primary already does what lab 07 taught: it forks WORKERS cluster
// workers running worker.ts, replaces one that dies, and stops the tree
// on SIGTERM. The service answers, but every worker keeps its own store
// (see worker.ts), so the checker stops it at step 5, read-your-writes.
//
// Your job: make this process the one place the state lives. The
// workers send one message per operation, with an id; the primary
// applies it and answers with the same id. Work through the TODOs here,
// then those in worker.ts.
//
//   npx node-cluster-lab verify 09-shared-state   runs the checker
//   npx node-cluster-lab hint 09-shared-state     when you are stuck
import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';

const WORKERS = Number(process.env.WORKERS ?? 2);
// TODO: read LIMIT (default 10) and WINDOW_MS (default 2000) from the
// environment: the rate limiter lives here too.
const SHUTDOWN_MS = 2500;

if (!cluster.isPrimary) {
  console.error('main.ts is the primary; workers run worker.ts');
  process.exit(1);
}

// TODO: the store: counters, values (with their expiry time, for ttl)
// and, for each limiter client, the times of its allowed requests.

// TODO: apply(request) → reply: one operation (incr, read a counter,
// put, get, limit) from start to end, with no await in it, so that no
// other operation can run in the middle.

// TODO: Buffers over IPC. The default serialization is JSON, which
// turns a Buffer into {type: 'Buffer', data: [...]}; add
// serialization: 'advanced' here and a Uint8Array arrives as bytes.
cluster.setupPrimary({ exec: fileURLToPath(new URL('./worker.ts', import.meta.url)) });

const alive = new Set<Worker>();
let shuttingDown = false;

cluster.on('fork', (worker) => {
  alive.add(worker);
  worker.on('error', (err) => console.error(`[primary] worker ${worker.process.pid}: ${err.message}`));
});

// TODO: cluster.on('message', (worker, request) => ...): apply the
// request and worker.send() the reply, with the request's id in it.

cluster.on('exit', (worker, code, signal) => {
  alive.delete(worker);
  if (shuttingDown) {
    if (alive.size === 0) process.exit(0);
    return;
  }
  console.error(`[primary] worker ${worker.process.pid} died (${signal ?? `exit code ${code}`}); forking a replacement`);
  cluster.fork();
});

function shutdown(): void {
  if (shuttingDown) return;
  shuttingDown = true;
  if (alive.size === 0) process.exit(0);
  setTimeout(() => {
    for (const worker of alive) worker.process.kill('SIGKILL');
    process.exit(1);
  }, SHUTDOWN_MS).unref();
  cluster.disconnect();
}

process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

console.log(`[primary] pid ${process.pid}, ${WORKERS} workers`);
for (let i = 0; i < WORKERS; i++) cluster.fork();
