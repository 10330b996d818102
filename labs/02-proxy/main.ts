// Lab 02-proxy: the proxy, and the one who starts the backends.
//
// Right now this program answers every request itself, with its own
// pid in x-worker-pid. It runs, but the checker stops it at step 2,
// backends.
//
// Your job: start WORKERS backends (backend.ts, written for you), each
// a process of its own on port PORT+1+i, and turn this server into a
// reverse proxy: pick a backend for each request, pass the request on
// over a kept-alive connection, and stream the answer back. Only
// node:http: no proxy library. Work through the TODOs from top to
// bottom.
//
//   npx node-cluster-lab verify 02-proxy   runs the checker
//   npx node-cluster-lab hint 02-proxy     when you are stuck
import http from 'node:http';
// TODO: import fork (and the ChildProcess type) from 'node:child_process',
// and fileURLToPath from 'node:url'.

const PORT = Number(process.env.PORT ?? 3000);
const HOST = process.env.HOST ?? '127.0.0.1';
// TODO: read two more settings from process.env, with defaults:
//   WORKERS   how many backends (default 2; the checker uses 3 and 4)
//   STRATEGY  'round-robin' (the default) or 'ip-hash'

// The Contract's figures.
const UPSTREAM_TIMEOUT_MS = 1000; // no answer begun this long after the backend has the request: 504
const RETRY_AFTER_MS = 500; // a backend that refused a connection rests this long
const MAX_SOCKETS = 8; // connections to each backend, at most

// TODO: the backends. One record per backend: its port (PORT + 1 + i),
// its child process, and downUntil (Date.now() before which it gets no
// requests). Then startBackend(backend), which:
//   - forks backend.ts with the port as its argument:
//       fork(fileURLToPath(new URL('./backend.ts', import.meta.url)), [String(port)])
//   - hears 'listening' from it (child.on('message', ...)) when it takes connections,
//   - on 'exit' (unless shutting down) starts it again, on the same port.

// TODO: one shared agent, so that connections to the backends are kept
// alive and reused, at most MAX_SOCKETS per backend:
//   new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS })

// TODO: pick(req, skip): the backend for this request, never one whose
// downUntil is still ahead, nor one in skip (already tried).
//   round-robin  the next one in turn: backends[turn++ % backends.length]
//   ip-hash      hash req.socket.remoteAddress to a number, % the count;
//                if that one is down, the next one after it

// TODO: endToEnd(headers): a copy without the hop-by-hop headers:
// Connection, Keep-Alive, Transfer-Encoding, TE, Trailer, Upgrade,
// every Proxy-* header, and every header that Connection names.

// TODO: forward(req, res): the heart of it.
//   - pick a backend (none: 502);
//   - headers = endToEnd(req.headers), plus
//       x-forwarded-for    the client's list, then ', ' and req.socket.remoteAddress
//       x-forwarded-proto  'http'
//       x-forwarded-host   req.headers.host (Host itself goes on unchanged)
//   - upstream = http.request({ host: HOST, port, method, path: req.url, headers, agent })
//   - on upstream 'finish' (the backend has the whole request) start a
//     UPSTREAM_TIMEOUT_MS timer: give up on it (destroy), answer 504;
//     clear the timer on 'response';
//   - on 'response': res.writeHead(status, endToEnd(answer.headers)), answer.pipe(res);
//   - on 'error': ECONNREFUSED means nobody listens there: set downUntil,
//     and send a request without a body to the next backend; anything
//     else: 502 (or, once the answer has begun, res.destroy());
//   - res.on('close') before the answer finished: the client left, destroy upstream;
//   - req.pipe(upstream): the body, streamed.

const server = http.createServer((req, res) => {
  // TODO: forward(req, res) instead of answering here.
  res.setHeader('x-worker-pid', String(process.pid));
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(`hello from ${process.pid}, not a proxy yet\n`);
});

server.on('error', (err) => {
  console.error(`[proxy] ${err.message}`);
  process.exit(1);
});

// TODO: on SIGTERM (and SIGINT): stop the server and close its
// connections (server.closeAllConnections()), kill the backends, exit
// once they have exited, and exit anyway after 2 s.

// TODO: start the backends, and listen only once every one of them has
// said 'listening'.
server.listen(PORT, HOST, () => {
  console.log(`[proxy] pid ${process.pid}, http://${HOST}:${PORT}/`);
});
