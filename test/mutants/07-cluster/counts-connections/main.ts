// Lab 07-cluster, reference solution: the primary.
//
// The same service as labs 03 to 05, built on node:cluster. The primary
// forks WORKERS workers running worker.ts and never serves a request
// itself: cluster opens the listening socket here when the first worker
// calls listen(), and then, depending on the scheduling policy, either
// accepts every connection and hands it to a worker in turn (round-robin,
// lab 04's design) or gives each worker a copy of the socket to accept on
// (none, lab 03's design). NODE_CLUSTER_SCHED_POLICY chooses; this file
// does not.
//
// It also keeps the pool full (a worker that dies unexpectedly is
// replaced, one that we stop is not), counts the requests the workers
// report, and hands the counts to whichever worker is asked GET /stats.
import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';

const PORT = Number(process.env.PORT ?? 3000);
const HOST = process.env.HOST ?? '127.0.0.1';
const WORKERS = Number(process.env.WORKERS ?? 2);
// How long a SIGTERM waits for the workers to finish their requests
// before it kills what is left: the tree must be gone within 3 s.
const SHUTDOWN_MS = 2500;

// What workers send (see worker.ts). cmd does not start with NODE_:
// Node keeps that prefix for its own messages, cluster's included.
type FromWorker = { cmd: 'notifyRequest' } | { cmd: 'getStats'; id: number };
type Stats = { total: number; workers: Record<string, number> };

if (!cluster.isPrimary) {
  // Only possible if someone made main.ts a worker's exec file.
  console.error('main.ts is the primary; workers run worker.ts');
  process.exit(1);
}

// Workers run worker.ts, with this process's execArgv (the tsx loader
// that runs main.ts) and its environment (PORT, HOST). setupPrimary()
// also fixes the scheduling policy for good: Node read
// NODE_CLUSTER_SCHED_POLICY when node:cluster was loaded, and anything
// assigned to cluster.schedulingPolicy after this line is ignored.
cluster.setupPrimary({ exec: fileURLToPath(new URL('./worker.ts', import.meta.url)) });
const policy = cluster.schedulingPolicy === cluster.SCHED_RR ? 'rr' : 'none';

// Requests served, by worker pid. Dead workers keep their line: the
// total is the service's, not the current workers'.
const served = new Map<number, number>();
// Every worker process still alive, so that a shutdown knows when it is done.
const alive = new Set<Worker>();
let shuttingDown = false;

function stats(): Stats {
  const workers: Record<string, number> = {};
  let total = 0;
  for (const [pid, count] of served) {
    workers[String(pid)] = count;
    total += count;
  }
  return { total, workers };
}

cluster.on('fork', (worker) => {
  alive.add(worker);
  // A send to a worker that has just died emits 'error'; without a
  // listener it would take the primary, and every worker, down.
  worker.on('error', (err) => console.error(`[primary] worker ${worker.process.pid}: ${err.message}`));
});

cluster.on('message', (worker, msg: FromWorker) => {
  const pid = worker.process.pid!;
  if (msg?.cmd === 'notifyRequest') {
    served.set(pid, (served.get(pid) ?? 0) + 1);
  } else if (msg?.cmd === 'getStats' && worker.isConnected()) {
    // The worker answers GET /stats with what we send back, matched by id.
    worker.send({ cmd: 'stats', id: msg.id, stats: stats() });
  }
});

cluster.on('exit', (worker, code, signal) => {
  alive.delete(worker);
  if (shuttingDown) {
    if (alive.size === 0) process.exit(0);
    return;
  }
  // Not worker.exitedAfterDisconnect: it is false after a primary-side
  // worker.kill() too, so it cannot tell our own kills from a crash.
  // Our own flag can.
  console.error(`[primary] worker ${worker.process.pid} died (${signal ?? `exit code ${code}`}); forking a replacement`);
  cluster.fork();
});

function shutdown(): void {
  if (shuttingDown) return;
  shuttingDown = true;
  if (alive.size === 0) process.exit(0);
  // Whatever goes wrong below, the tree must be gone within 3 s.
  setTimeout(() => {
    for (const worker of alive) worker.process.kill('SIGKILL');
    process.exit(1);
  }, SHUTDOWN_MS).unref();
  // disconnect(), not kill(): each worker closes its server (no new
  // connections, the ones it has finish), then its IPC channel, then
  // exits once nothing is left to do. 'exit' above ends the primary.
  cluster.disconnect();
}

process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

console.log(`[primary] pid ${process.pid}, http://${HOST}:${PORT}/, ${WORKERS} workers, scheduling policy ${policy}`);
for (let i = 0; i < WORKERS; i++) cluster.fork();
