// Lab 01-ipc, reference solution: the primary.
//
// MUTANT orphans-on-sigterm: SIGTERM ends the primary only.
//
// The primary owns the only HTTP server and never does the work itself.
// Each /work request is handed to a child over IPC and answered when
// that child's reply comes back.
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

const PORT = Number(process.env.PORT ?? 3000);
const HOST = process.env.HOST ?? '127.0.0.1';
const WORKERS = Number(process.env.WORKERS ?? 2);
const MAX_MS = 10_000;

// fork() re-runs node with this process's execArgv, so the tsx loader
// that lets us run main.ts also lets the child run worker.ts.
const WORKER_FILE = fileURLToPath(new URL('./worker.ts', import.meta.url));

type WorkMessage = { type: 'work'; reqId: number; delay: number; spin: number };
type DoneMessage = { type: 'done'; reqId: number };

type Job = { id: string; res: http.ServerResponse; child: ChildProcess };

// Keyed by an id the primary makes up, not by the client's ?id=: two
// clients may send the same token, and replies arrive in any order.
const pending = new Map<number, Job>();
// child pid -> requests it completed. Dead children stay in here, so the
// totals never go backwards.
const served = new Map<number, number>();
let children: ChildProcess[] = [];
let nextReqId = 1;
let turn = 0;
let shuttingDown = false;

function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Answer 503 for every request still waiting on `child`. */
function failJobsOf(child: ChildProcess, reason: string): void {
  for (const [reqId, job] of pending) {
    if (job.child !== child) continue;
    pending.delete(reqId);
    sendJson(job.res, 503, { id: job.id, error: reason });
  }
}

function startChild(): void {
  const child = fork(WORKER_FILE);
  const pid = child.pid!;
  children.push(child);
  served.set(pid, served.get(pid) ?? 0);

  child.on('message', (msg: DoneMessage) => {
    if (msg?.type !== 'done') return;
    const job = pending.get(msg.reqId);
    // Unknown ids are replies to requests we already gave up on.
    if (!job) return;
    pending.delete(msg.reqId);
    served.set(pid, (served.get(pid) ?? 0) + 1);
    const headers = { 'x-worker-pid': String(pid) };
    sendJson(job.res, 200, { id: job.id, pid }, headers);
  });

  // Without a listener, an 'error' (failed spawn, or a send() on a closed
  // channel without a callback) would crash the primary and every
  // request with it.
  child.on('error', (err) => {
    console.error(`[primary] child ${pid}: ${err.message}`);
  });

  // 'exit' fires however the child ends, SIGKILL included. Its requests
  // will never be answered by anyone else, so answer them now.
  child.on('exit', (code, signal) => {
    children = children.filter((c) => c !== child);
    const how = signal ?? `exit code ${code}`;
    failJobsOf(child, `worker ${pid} died (${how})`);
    if (shuttingDown) return;
    console.error(`[primary] child ${pid} died (${how}), forking another`);
    startChild();
  });
}

function pickChild(): ChildProcess | undefined {
  // A child whose channel is gone is about to emit 'exit'; skip it.
  const live = children.filter((c) => c.connected);
  if (live.length === 0) return undefined;
  return live[turn++ % live.length];
}

function clampMs(value: string | null): number {
  const ms = Number(value ?? 0);
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, MAX_MS) : 0;
}

function handleWork(url: URL, res: http.ServerResponse): void {
  const id = url.searchParams.get('id') ?? '';
  const child = shuttingDown ? undefined : pickChild();
  if (!child) {
    sendJson(res, 503, { id, error: 'no worker available' });
    return;
  }
  const reqId = nextReqId++;
  pending.set(reqId, { id, res, child });
  const msg: WorkMessage = {
    type: 'work',
    reqId,
    delay: clampMs(url.searchParams.get('delay')),
    spin: clampMs(url.searchParams.get('spin')),
  };
  // The return value only says whether the channel's queue is getting
  // long; these messages are tiny, so there is nothing to slow down. The
  // callback matters: it reports a child that died before the write.
  child.send(msg, (err) => {
    if (!err) return;
    const job = pending.get(reqId);
    if (!job) return;
    pending.delete(reqId);
    const error = `worker ${child.pid} unreachable: ${err.message}`;
    sendJson(job.res, 503, { id, error });
  });
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/work') {
    handleWork(url, res);
  } else if (url.pathname === '/stats') {
    sendJson(res, 200, Object.fromEntries(served));
  } else {
    sendJson(res, 404, { error: 'not found' });
  }
});

// MUTANT: the primary leaves at once; its children are not told.
function shutdown(): void {
  shuttingDown = true;
  server.close();
  process.exit(0);
}

process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

for (let i = 0; i < WORKERS; i++) startChild();

server.listen(PORT, HOST, () => {
  console.log(`[primary] pid ${process.pid}, http://${HOST}:${PORT}/`);
});
