// Mutant of lab 07-cluster: the same service without node:cluster. The
// primary forks plain children with child_process.fork and sends each a
// bound socket to listen on (lab 05's design).
import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const PORT = Number(process.env.PORT ?? 3000);
const HOST = process.env.HOST ?? '127.0.0.1';
const WORKERS = Number(process.env.WORKERS ?? 2);
const WORKER_FILE = fileURLToPath(new URL('./worker.ts', import.meta.url));

type FromWorker = { cmd: 'notifyRequest' } | { cmd: 'getStats'; id: number };
type CreateServerHandle = (address: string, port: number, addressType: number) => object | number;
const createServerHandle = (net as unknown as { _createServerHandle: CreateServerHandle })._createServerHandle;
const handle = createServerHandle(HOST, PORT, 4);
if (typeof handle === 'number') process.exit(1);

const served = new Map<number, number>();
const alive = new Set<ChildProcess>();
let shuttingDown = false;

function stats() {
  const workers: Record<string, number> = {};
  let total = 0;
  for (const [pid, count] of served) {
    workers[String(pid)] = count;
    total += count;
  }
  return { total, workers };
}

function start(): void {
  const child = fork(WORKER_FILE);
  alive.add(child);
  child.on('error', (err) => console.error(err.message));
  child.on('message', (msg: FromWorker) => {
    if (msg?.cmd === 'notifyRequest') served.set(child.pid!, (served.get(child.pid!) ?? 0) + 1);
    else if (msg?.cmd === 'getStats' && child.connected) child.send({ cmd: 'stats', id: msg.id, stats: stats() });
  });
  child.on('exit', () => {
    alive.delete(child);
    if (shuttingDown) {
      if (alive.size === 0) process.exit(0);
      return;
    }
    start();
  });
  child.send({ cmd: 'listen' }, handle as net.Server);
}

function shutdown(): void {
  if (shuttingDown) return;
  shuttingDown = true;
  setTimeout(() => process.exit(1), 2500).unref();
  for (const child of alive) child.kill('SIGTERM');
}
process.on('SIGTERM', shutdown);
for (let i = 0; i < WORKERS; i++) start();
