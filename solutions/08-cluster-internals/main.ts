// Lab 08-cluster-internals: the primary. Given, complete.
//
// It is what a program using node:cluster would write, with your
// mini-cluster.ts in its place: fork WORKERS workers running app.ts,
// and keep a record of every worker that exits. The record is served
// on a second port, the control port, for you and for the checker:
//
//   GET /exits    every 'exit' event so far: [{ id, pid, code, signal }]
//   GET /workers  the workers alive now: [{ id, pid }]
//
// CONTROL_PORT chooses the port; without it, any free port (printed).
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import cluster from './mini-cluster.js';

const HOST = process.env.HOST ?? '127.0.0.1';
const WORKERS = Number(process.env.WORKERS ?? 2);
const CONTROL_PORT = Number(process.env.CONTROL_PORT ?? 0);

type Exit = { id: number; pid: number | undefined; code: number | null; signal: NodeJS.Signals | null };
const exits: Exit[] = [];

cluster.setupPrimary({ exec: fileURLToPath(new URL('./app.ts', import.meta.url)) });

cluster.on('exit', (worker, code, signal) => {
  exits.push({ id: worker.id, pid: worker.process.pid, code, signal });
  console.log(`[primary] worker ${worker.id} (pid ${worker.process.pid}) exited: ${signal ?? `code ${code}`}`);
});

for (let i = 0; i < WORKERS; i++) cluster.fork();
console.log(`[primary] ${process.pid} forked ${WORKERS} workers (MINI_CLUSTER_MODE=${cluster.mode})`);

const control = http.createServer((req, res) => {
  const body =
    req.url === '/exits'
      ? exits
      : req.url === '/workers'
        ? [...cluster.workers.values()].map((worker) => ({ id: worker.id, pid: worker.process.pid }))
        : undefined;
  res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
  res.end(`${JSON.stringify(body ?? { error: 'try /exits or /workers' })}\n`);
});
control.listen(CONTROL_PORT, HOST, () => {
  const { port } = control.address() as { port: number };
  console.log(`[primary] control port: curl http://${HOST}:${port}/exits`);
});

// Stop the workers with us. (They would also exit on 'disconnect' once
// we are gone: see worker-preload.ts.)
process.on('SIGTERM', () => {
  for (const worker of cluster.workers.values()) worker.kill('SIGTERM');
  process.exit(0);
});
