// Lab 07-cluster: a worker. main.ts starts this file with cluster.fork()
// (for now, main.ts imports it and runs it in its own process).
//
// An ordinary HTTP server that calls listen(PORT, HOST) as if it were
// alone. Inside a cluster worker, that same call asks the primary for
// the socket; you do not change it.
import http from 'node:http';

const PORT = Number(process.env.PORT ?? 3000);
const HOST = process.env.HOST ?? '127.0.0.1';
const MAX_SLOW_MS = 10_000;

// TODO: tell(msg): process.send(msg), but only if process.connected.
// After the channel to the primary has closed (a shutdown), sending
// would emit an 'error' that kills the worker.

// TODO: GET /stats asks the primary. Keep a Map from a request id to the
// waiting response; send { cmd: 'getStats', id }; in
// process.on('message', ...), when { cmd: 'stats', id, stats } comes
// back, answer that response with 200 and JSON.stringify(stats). Give up
// with 504 after 2 s if the primary does not answer.

const server = http.createServer((req, res) => {
  // Every answer names the process that served it.
  res.setHeader('x-worker-pid', String(process.pid));
  const url = new URL(req.url ?? '/', 'http://localhost');
  // TODO: GET /stats: ask the primary (above) and return. It is not a
  // request to count.
  // TODO: every other request: tell the primary, before answering:
  // tell({ cmd: 'notifyRequest' }) (seed 004's message). Once per
  // request, not per connection: a keep-alive connection carries many.
  res.setHeader('content-type', 'text/plain');
  if (req.method !== 'GET') {
    res.writeHead(405).end('GET only\n');
  } else if (url.pathname === '/') {
    res.end(`hello from ${process.pid}\n`);
  } else if (url.pathname === '/slow') {
    // The head goes out at once (so a client knows who has its request),
    // the body after ms milliseconds. The checker's SIGTERM step uses it;
    // keep it as it is.
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
  process.exit(1);
});

// Keep this call as it is: no exclusive, no reusePort. Inside a cluster
// worker it asks the primary for the socket.
server.listen(PORT, HOST, () => {
  console.log(`[worker ${process.pid}] listening on http://${HOST}:${PORT}/`);
});
