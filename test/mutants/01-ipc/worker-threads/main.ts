// Lab 01-ipc, MUTANT worker-threads: threads instead of processes.
//
// Same dispatcher as the solution, but each "worker" is a worker_threads
// Worker: a thread inside this very process. There are no child
// processes, no IPC channel, and only one pid to put in x-worker-pid.
import http from 'node:http';
import { Worker } from 'node:worker_threads';
import { THREAD_SOURCE } from './worker.js';

const PORT = Number(process.env.PORT ?? 3000);
const HOST = process.env.HOST ?? '127.0.0.1';
const WORKERS = Number(process.env.WORKERS ?? 2);
const MAX_MS = 10_000;

type WorkMessage = { type: 'work'; reqId: number; delay: number; spin: number };
type DoneMessage = { type: 'done'; reqId: number };

type Job = { id: string; res: http.ServerResponse; thread: Worker };

const pending = new Map<number, Job>();
// MUTANT: every thread shares the primary's pid, so /stats has one key.
const served = new Map<number, number>([[process.pid, 0]]);
let threads: Worker[] = [];
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

function failJobsOf(thread: Worker, reason: string): void {
  for (const [reqId, job] of pending) {
    if (job.thread !== thread) continue;
    pending.delete(reqId);
    sendJson(job.res, 503, { id: job.id, error: reason });
  }
}

function startThread(): void {
  const thread = new Worker(THREAD_SOURCE, { eval: true });
  threads.push(thread);

  thread.on('message', (msg: DoneMessage) => {
    if (msg?.type !== 'done') return;
    const job = pending.get(msg.reqId);
    if (!job) return;
    pending.delete(msg.reqId);
    const pid = process.pid;
    served.set(pid, (served.get(pid) ?? 0) + 1);
    const headers = { 'x-worker-pid': String(pid) };
    sendJson(job.res, 200, { id: job.id, pid }, headers);
  });

  thread.on('error', (err) => {
    console.error(`[primary] thread ${thread.threadId}: ${err.message}`);
  });

  thread.on('exit', (code) => {
    threads = threads.filter((t) => t !== thread);
    failJobsOf(thread, `worker thread died (exit code ${code})`);
    if (!shuttingDown) startThread();
  });
}

function clampMs(value: string | null): number {
  const ms = Number(value ?? 0);
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, MAX_MS) : 0;
}

function handleWork(url: URL, res: http.ServerResponse): void {
  const id = url.searchParams.get('id') ?? '';
  const thread = shuttingDown ? undefined : threads[turn++ % threads.length];
  if (!thread) {
    sendJson(res, 503, { id, error: 'no worker available' });
    return;
  }
  const reqId = nextReqId++;
  pending.set(reqId, { id, res, thread });
  const msg: WorkMessage = {
    type: 'work',
    reqId,
    delay: clampMs(url.searchParams.get('delay')),
    spin: clampMs(url.searchParams.get('spin')),
  };
  thread.postMessage(msg);
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

async function shutdown(): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  setTimeout(() => process.exit(1), 2000).unref();
  await Promise.all(threads.map((thread) => thread.terminate()));
  server.close(() => process.exit(0));
  server.closeIdleConnections();
}

process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

for (let i = 0; i < WORKERS; i++) startThread();

server.listen(PORT, HOST, () => {
  console.log(`[primary] pid ${process.pid}, http://${HOST}:${PORT}/`);
});
