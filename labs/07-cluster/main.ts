// Lab 07-cluster: the primary.
//
// Right now this program is one process: the line near the top imports
// worker.ts, whose HTTP server then runs right here. It answers, but the
// checker stops it at step 3, cluster-workers.
//
// Your job: fork WORKERS workers with node:cluster, each running
// worker.ts; keep the pool full; count the requests the workers report;
// and stop in order on SIGTERM. The primary never serves a request.
// Work through the TODOs from top to bottom, then those in worker.ts.
//
//   npx node-cluster-lab verify 07-cluster   runs the checker
//   npx node-cluster-lab hint 07-cluster     when you are stuck
import { fileURLToPath } from 'node:url';
// TODO: import cluster (and the Worker type) from 'node:cluster'.

const PORT = Number(process.env.PORT ?? 3000);
const HOST = process.env.HOST ?? '127.0.0.1';
// TODO: read how many workers to fork from process.env.WORKERS (a
// string, or undefined: default to 2). The checker uses 3.

// The file every worker runs.
const WORKER_FILE = fileURLToPath(new URL('./worker.ts', import.meta.url));

// TODO: delete this line once the workers serve. It runs worker.ts in
// this process so that the program works from the start.
await import('./worker.js');

// TODO: cluster.setupPrimary({ exec: WORKER_FILE }). Workers then run
// worker.ts with this process's execArgv (the TypeScript loader) and its
// environment (PORT, HOST). Use the modern names: cluster.isPrimary and
// setupPrimary, not isMaster and setupMaster.
//
// Leave cluster.schedulingPolicy alone: Node reads
// NODE_CLUSTER_SCHED_POLICY (rr or none) by itself, and the checker runs
// your program under both.

// TODO: the counts. A Map from worker pid to requests served. In
// cluster.on('message', (worker, msg) => ...):
//   { cmd: 'notifyRequest' }   add 1 for worker.process.pid
//   { cmd: 'getStats', id }    worker.send({ cmd: 'stats', id, stats })
//                              with stats = { total, workers: { "<pid>": n } }

// TODO: keep the pool full. In cluster.on('exit', (worker, code, signal)
// => ...), fork a replacement, unless the primary is shutting down.
// Keep your own shuttingDown flag: worker.exitedAfterDisconnect is false
// after the primary's worker.kill(), so it cannot tell your own kills
// from a crash.

// TODO: on SIGTERM (and SIGINT): set shuttingDown, call
// cluster.disconnect() (each worker finishes its requests and exits),
// exit once every worker has exited, and kill what is left after 2.5 s
// (setTimeout(...).unref()). The tree must be gone within 3 s.

// TODO: fork WORKERS workers.
console.log(`[primary] pid ${process.pid}, http://${HOST}:${PORT}/, serving by itself (no workers yet)`);
