// Lab 09-shared-state, reference solution: the primary.
//
// Each worker is a process with a heap of its own: a Map in one worker
// is invisible to the others. So the state lives here, in the primary,
// the one process every worker can reach, and nowhere else. Workers send
// one message per operation ({ id, op, ... }); the primary applies it
// and answers { id, ... } at once. Node runs one message handler at a
// time, so an increment here cannot interleave with another: one
// message is one atomic operation.
//
// The primary also forks WORKERS workers, replaces one that dies, and
// stops the tree on SIGTERM. It serves no HTTP itself.
import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';

const WORKERS = Number(process.env.WORKERS ?? 2);
const LIMIT = Number(process.env.LIMIT ?? 10);
const WINDOW_MS = Number(process.env.WINDOW_MS ?? 2000);
// How long a SIGTERM waits for the workers before it kills what is left.
const SHUTDOWN_MS = 2500;

// What a worker asks (see worker.ts). Every request carries the id the
// worker chose; the answer carries it back.
type Request =
  | { id: number; op: 'incr'; name: string; by: number }
  | { id: number; op: 'count'; name: string }
  | { id: number; op: 'put'; key: string; value: Uint8Array; ttl?: number }
  | { id: number; op: 'get'; key: string }
  | { id: number; op: 'limit'; client: string };

if (!cluster.isPrimary) {
  console.error('main.ts is the primary; workers run worker.ts');
  process.exit(1);
}

// The store: the only copy, in this process.
const counters = new Map<string, number>();
// Values with the time they stop existing (Infinity: never).
const values = new Map<string, { value: Uint8Array; expiresAt: number }>();
// For each client, when its allowed requests of the last WINDOW_MS came.
const allowed = new Map<string, number[]>();

// Expired keys are removed now and then, so that memory does not grow
// with keys nobody reads again. Reads check the time themselves.
setInterval(() => {
  const now = Date.now();
  for (const [key, entry] of values) if (entry.expiresAt <= now) values.delete(key);
  for (const [client, times] of allowed) if (times.at(-1)! <= now - WINDOW_MS) allowed.delete(client);
}, 1000).unref();

// One operation, start to end, with no await: nothing else runs meanwhile.
function apply(req: Request): object {
  switch (req.op) {
    case 'incr': {
      const value = (counters.get(req.name) ?? 0) + req.by;
      counters.set(req.name, value);
      return { value };
    }
    case 'count':
      return { value: counters.get(req.name) ?? 0 };
    case 'put':
      // A put replaces the value and its expiry: no ttl, no expiry.
      values.set(req.key, { value: req.value, expiresAt: req.ttl === undefined ? Infinity : Date.now() + req.ttl });
      return {};
    case 'get': {
      const entry = values.get(req.key);
      if (!entry || entry.expiresAt <= Date.now()) {
        values.delete(req.key);
        return { found: false };
      }
      return { found: true, value: entry.value };
    }
    case 'limit': {
      // Sliding window: allowed while fewer than LIMIT allowed requests of
      // this client came in the last WINDOW_MS. Refused ones do not count.
      const now = Date.now();
      const times = (allowed.get(req.client) ?? []).filter((t) => t > now - WINDOW_MS);
      const ok = times.length < LIMIT;
      if (ok) times.push(now);
      allowed.set(req.client, times);
      return { allowed: ok };
    }
  }
}

// Workers run worker.ts. 'advanced' serialization sends a Uint8Array as
// bytes (the default, JSON, would turn it into an array of numbers).
cluster.setupPrimary({
  exec: fileURLToPath(new URL('./worker.ts', import.meta.url)),
  serialization: 'advanced',
});

const alive = new Set<Worker>();
let shuttingDown = false;

cluster.on('fork', (worker) => {
  alive.add(worker);
  // A send to a worker that has just died emits 'error': do not crash.
  worker.on('error', (err) => console.error(`[primary] worker ${worker.process.pid}: ${err.message}`));
});

// One listener for every worker, replacements included.
cluster.on('message', (worker, req: Request) => {
  if (typeof req?.id !== 'number') return;
  const reply = { id: req.id, ...apply(req) };
  if (worker.isConnected()) worker.send(reply);
});

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

console.log(`[primary] pid ${process.pid}, ${WORKERS} workers, LIMIT ${LIMIT} per ${WINDOW_MS} ms`);
for (let i = 0; i < WORKERS; i++) cluster.fork();
