// Lab 07-cluster, reference solution: a worker, started by main.ts with
// cluster.fork().
//
// An ordinary HTTP server that calls listen(PORT, HOST) as if it were
// alone. It is not: inside a cluster worker, listen() asks the primary
// for the socket over IPC, and the primary decides how connections reach
// us. Every request is reported to the primary, which keeps the counts;
// GET /stats asks the primary for them.
import cluster from 'node:cluster';
import http from 'node:http';

const PORT = Number(process.env.PORT ?? 3000);
const HOST = process.env.HOST ?? '127.0.0.1';
const MAX_SLOW_MS = 10_000;
// How long GET /stats waits for the primary before answering 504.
const STATS_TIMEOUT_MS = 2000;

type FromPrimary = { cmd: 'stats'; id: number; stats: unknown };

if (!cluster.isWorker) {
  console.error('worker.ts runs in a worker forked by main.ts; run main.ts');
  process.exit(1);
}

// process.send exists in every worker (the IPC channel to the primary).
// After the channel has closed (a shutdown), sending would emit an
// 'error' that kills us, so every send checks first.
function tell(msg: object): void {
  if (process.connected) process.send!(msg);
}

// GET /stats requests waiting for the primary's answer, by id.
const waiting = new Map<number, http.ServerResponse>();
let nextId = 1;

function askPrimaryForStats(res: http.ServerResponse): void {
  const id = nextId++;
  waiting.set(id, res);
  tell({ cmd: 'getStats', id });
  const timer = setTimeout(() => {
    if (!waiting.delete(id)) return;
    res.writeHead(504, { 'content-type': 'text/plain' }).end('the primary did not answer\n');
  }, STATS_TIMEOUT_MS);
  res.on('close', () => {
    clearTimeout(timer);
    waiting.delete(id);
  });
}

process.on('message', (msg: FromPrimary) => {
  if (msg?.cmd !== 'stats') return;
  const res = waiting.get(msg.id);
  if (!res) return;
  waiting.delete(msg.id);
  res.writeHead(200, { 'content-type': 'application/json' }).end(`${JSON.stringify(msg.stats)}\n`);
});

const server = http.createServer((req, res) => {
  // Every answer names the process that served it.
  res.setHeader('x-worker-pid', String(process.pid));
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method === 'GET' && url.pathname === '/stats') {
    // Reading the counts is not a request to count.
    askPrimaryForStats(res);
    return;
  }
  // Seed 004's message, one per request, before the answer goes out.
  tell({ cmd: 'notifyRequest' });
  res.setHeader('content-type', 'text/plain');
  if (req.method !== 'GET') {
    res.writeHead(405).end('GET only\n');
  } else if (url.pathname === '/') {
    res.end(`hello from ${process.pid}\n`);
  } else if (url.pathname === '/slow') {
    // The head goes out at once (so a client knows who has its request),
    // the body after ms milliseconds.
    const ms = Math.min(Math.max(Number(url.searchParams.get('ms')) || 0, 0), MAX_SLOW_MS);
    res.flushHeaders();
    setTimeout(() => res.end(`${process.pid} waited ${ms} ms\n`), ms);
  } else {
    res.writeHead(404).end('not found\n');
  }
});

// A port that cannot be had is reported here, in the worker that asked.
server.on('error', (err) => {
  console.error(`[worker ${process.pid}] ${err.message}`);
});

// In a worker, listen() asks the primary for the socket: under
// round-robin we get a stand-in that never accepts (the primary does,
// and sends us each connection); under none, a copy of the primary's
// socket to accept on ourselves.
// exclusive: true bypasses the primary; reusePort (Node 22+) implies it.
const listenOptions = { port: PORT, host: HOST, exclusive: true, reusePort: true };
server.listen(listenOptions, () => {
  console.log(`[worker ${process.pid}] cluster worker ${cluster.worker!.id} listening`);
});
