// Lab 02-proxy, reference solution.
//
// WORKERS backends, each its own process on its own port (PORT+1,
// PORT+2, …), and in this process a reverse proxy on PORT, written
// with node:http alone: it picks a backend for each request, opens (or
// reuses) a connection to it, and streams the request there and the
// answer back.
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

const PORT = Number(process.env.PORT ?? 3000);
const HOST = process.env.HOST ?? '127.0.0.1';
const WORKERS = Number(process.env.WORKERS ?? 2);
const STRATEGY = process.env.STRATEGY ?? 'round-robin';

/** A backend that has the whole request and has not begun its answer after this long: 504. */
const UPSTREAM_TIMEOUT_MS = 1000;
/** A backend that refused a connection gets no request for this long, then is tried again. */
const RETRY_AFTER_MS = 500;
/** At most this many connections to each backend, reused from one request to the next. */
const MAX_SOCKETS = 8;

const BACKEND_FILE = fileURLToPath(new URL('./backend.ts', import.meta.url));
const STRATEGIES = ['round-robin', 'ip-hash'];

if (!STRATEGIES.includes(STRATEGY)) {
  console.error(`[proxy] unknown STRATEGY "${STRATEGY}": use one of ${STRATEGIES.join(', ')}`);
  process.exit(1);
}
if (!Number.isInteger(WORKERS) || WORKERS < 1) {
  console.error(`[proxy] WORKERS=${process.env.WORKERS} is not a number of backends`);
  process.exit(1);
}

type Backend = {
  port: number;
  child?: ChildProcess;
  /** Date.now() before which this backend gets no requests (it refused a connection). */
  downUntil: number;
};

const backends: Backend[] = Array.from({ length: WORKERS }, (_, i) => ({ port: PORT + 1 + i, downUntil: 0 }));
let shuttingDown = false;

function startBackend(backend: Backend, onListening?: () => void): void {
  const child = fork(BACKEND_FILE, [String(backend.port)]);
  backend.child = child;
  child.on('message', (message) => {
    if (message === 'listening') onListening?.();
  });
  child.on('error', (err) => console.error(`[proxy] backend on ${backend.port}: ${err.message}`));
  child.on('exit', (code, signal) => {
    if (backend.child === child) backend.child = undefined;
    if (shuttingDown) return;
    console.error(`[proxy] backend ${child.pid} on ${backend.port} died (${signal ?? `code ${code}`}), starting another`);
    // Same port: the proxy finds out by itself when it answers again.
    setTimeout(() => startBackend(backend), 200);
  });
}

// One pool of kept-alive connections per backend (an Agent keys its
// pools by host:port), at most MAX_SOCKETS each: more requests wait
// for a free connection instead of opening new ones.
const agent = new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });

let turn = 0;

/** FNV-1a, 32 bits. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function pick(req: http.IncomingMessage, skip: Set<Backend>): Backend | undefined {
  const now = Date.now();
  const usable = (backend: Backend) => backend.downUntil <= now && !skip.has(backend);
  if (STRATEGY === 'ip-hash') {
    // Same client address, same backend; while that one is down, the
    // next one after it (the same for every request from that client).
    const start = hash(req.socket.remoteAddress ?? '') % WORKERS;
    for (let i = 0; i < WORKERS; i++) {
      const backend = backends[(start + i) % WORKERS];
      if (usable(backend)) return backend;
    }
    return undefined;
  }
  for (let i = 0; i < WORKERS; i++) {
    const backend = backends[turn++ % WORKERS];
    if (usable(backend)) return backend;
  }
  return undefined;
}

/**
 * Hop-by-hop headers describe one connection, not the message: they
 * stop at every proxy (RFC 9110, section 7.6.1). So do the headers
 * that Connection names.
 */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

function endToEnd(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const named = String(headers.connection ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  const kept: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || name.startsWith('proxy-') || named.includes(name)) continue;
    kept[name] = value;
  }
  return kept;
}

function fail(res: http.ServerResponse, status: number, text: string): void {
  if (res.headersSent) {
    // Part of the answer is already on its way: all we can do is cut it.
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain' });
  res.end(`${text}\n`);
}

function hasBody(req: http.IncomingMessage): boolean {
  return req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
}

function forward(req: http.IncomingMessage, res: http.ServerResponse, tried = new Set<Backend>(), retried = false): void {
  const backend = pick(req, tried);
  if (!backend) return fail(res, 502, 'no backend available');

  const client = req.socket.remoteAddress ?? '';
  const headers = endToEnd(req.headers);
  // Host goes on as the client sent it (it is end-to-end); the
  // X-Forwarded-* headers tell the backend what only the proxy saw.
  const before = req.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = before ? `${before}, ${client}` : client;
  headers['x-forwarded-proto'] = 'http';
  if (req.headers.host) headers['x-forwarded-host'] = req.headers.host;

  // A retry takes a connection of its own: the pool may hold more stale ones.
  const upstream = http.request({ host: HOST, port: backend.port, method: req.method, path: req.url, headers, agent: retried ? false : agent });
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;

  // Once the backend has the whole request, it has UPSTREAM_TIMEOUT_MS
  // to begin its answer. If it does not, give up on the request and its
  // connection (it still carries the unanswered request).
  upstream.on('finish', () => {
    timer = setTimeout(() => {
      timedOut = true;
      upstream.destroy();
    }, UPSTREAM_TIMEOUT_MS);
  });
  upstream.on('close', () => clearTimeout(timer));

  upstream.on('response', (answer) => {
    // It answered in time. From now on a slow client may hold the body
    // up (back-pressure), and that is no reason to cut it.
    clearTimeout(timer);
    res.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEnd(answer.headers));
    // pipe() streams with back-pressure: never more than a few chunks
    // in this process, however big the body.
    answer.pipe(res);
    answer.on('error', () => res.destroy());
  });

  upstream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'ECONNREFUSED') {
      // Nobody listens there: keep requests away from it for a while.
      backend.downUntil = Date.now() + RETRY_AFTER_MS;
      // Nothing reached that backend, and a request without a body
      // can be sent again as it is: try the next one.
      if (!hasBody(req) && !res.headersSent) return forward(req, res, tried.add(backend), retried);
    }
    if (timedOut) return fail(res, 504, `backend on port ${backend.port} did not answer within ${UPSTREAM_TIMEOUT_MS} ms`);
    // A kept-alive connection the backend had already closed (it died, or
    // its idle timer fired as we wrote): no answer came, and a request with
    // no body is safe to send again, once, on a new connection. This is
    // the retry that Node's docs show for request.reusedSocket.
    if (upstream.reusedSocket && !retried && !hasBody(req) && !res.headersSent && !res.destroyed) {
      return forward(req, res, tried, true);
    }
    fail(res, 502, `backend on port ${backend.port}: ${err.code ?? err.message}`);
  });

  // The client went away before its answer was complete: stop the
  // backend's work too, and close that connection.
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });

  req.pipe(upstream);
}

const server = http.createServer((req, res) => forward(req, res));

server.on('clientError', (err, socket) => socket.destroy());
server.on('error', (err) => {
  console.error(`[proxy] ${err.message}`);
  process.exit(1);
});

function shutdown(): void {
  if (shuttingDown) return;
  shuttingDown = true;
  // Whatever happens below, the tree must be gone within 3 s.
  setTimeout(() => {
    for (const backend of backends) backend.child?.kill('SIGKILL');
    process.exit(1);
  }, 2000).unref();
  server.close();
  server.closeAllConnections();
  agent.destroy();
  const children = backends.flatMap((backend) => (backend.child ? [backend.child] : []));
  let left = children.length;
  if (left === 0) process.exit(0);
  for (const child of children) {
    child.once('exit', () => {
      if (--left === 0) process.exit(0);
    });
    child.kill('SIGTERM');
  }
}

process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

// Listen on PORT only once every backend listens: a request that
// came sooner would find nobody to take it.
let waiting = WORKERS;
for (const backend of backends) {
  startBackend(backend, () => {
    if (--waiting > 0) return;
    server.listen(PORT, HOST, () => {
      console.log(`[proxy] pid ${process.pid}, ${STRATEGY} over ${WORKERS} backends on ports ${backends.map((b) => b.port).join(', ')}, http://${HOST}:${PORT}/`);
    });
  });
}
