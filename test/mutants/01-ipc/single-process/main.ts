// Lab 01-ipc, MUTANT single-process: one process does everything.
//
// It answers exactly like the solution, but nothing is forked: the work
// runs in the primary and x-worker-pid names pids that do not exist.
// worker.ts is the solution's, never started.
import http from 'node:http';

const PORT = Number(process.env.PORT ?? 3000);
const HOST = process.env.HOST ?? '127.0.0.1';
const WORKERS = Number(process.env.WORKERS ?? 2);
const MAX_MS = 10_000;

// MUTANT: made-up "worker" pids instead of forked children.
const FAKE_PIDS = Array.from({ length: WORKERS }, (_, i) => 40_000 + i);
const served = new Map<number, number>(FAKE_PIDS.map((pid) => [pid, 0]));
let turn = 0;

function spin(ms: number): void {
  const start = process.cpuUsage();
  for (;;) {
    const used = process.cpuUsage(start);
    if (used.user + used.system >= ms * 1000) return;
  }
}

function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function clampMs(value: string | null): number {
  const ms = Number(value ?? 0);
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, MAX_MS) : 0;
}

function handleWork(url: URL, res: http.ServerResponse): void {
  const id = url.searchParams.get('id') ?? '';
  const pid = FAKE_PIDS[turn++ % FAKE_PIDS.length]!;
  setTimeout(() => {
    spin(clampMs(url.searchParams.get('spin')));
    served.set(pid, (served.get(pid) ?? 0) + 1);
    const headers = { 'x-worker-pid': String(pid) };
    sendJson(res, 200, { id, pid }, headers);
  }, clampMs(url.searchParams.get('delay')));
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

function shutdown(): void {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(1), 2000).unref();
}

process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

server.listen(PORT, HOST, () => {
  console.log(`[primary] pid ${process.pid}, http://${HOST}:${PORT}/`);
});
