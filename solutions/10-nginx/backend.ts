// Lab 10-nginx, reference solution: one backend, started by main.ts with
// BACKEND_HOST set to its own loopback address. It stands for one machine
// behind nginx: a plain HTTP server that knows nothing about the others.
import http from 'node:http';

const HOST = process.env.BACKEND_HOST ?? '127.0.0.2';
const PORT = Number(process.env.PORT ?? 8080);
const MAX_SLOW_MS = 10_000;

const server = http.createServer((req, res) => {
  res.setHeader('x-worker-pid', String(process.pid));
  res.setHeader('content-type', 'text/plain');
  const url = new URL(req.url ?? '/', 'http://backend');
  if (url.pathname === '/') {
    res.end(`hello from ${HOST} (pid ${process.pid})\n`);
  } else if (url.pathname === '/headers') {
    // What nginx told us about the client: the checker compares it with
    // the address it really sent from.
    res.setHeader('content-type', 'application/json');
    res.end(`${JSON.stringify({ 'x-real-ip': req.headers['x-real-ip'] ?? null, 'x-forwarded-for': req.headers['x-forwarded-for'] ?? null, connection: req.headers.connection ?? null, httpVersion: req.httpVersion })}\n`);
  } else if (url.pathname === '/slow') {
    // The head at once (so a client knows who has its request), the body later.
    const ms = Math.min(Math.max(Number(url.searchParams.get('ms')) || 0, 0), MAX_SLOW_MS);
    res.flushHeaders();
    setTimeout(() => res.end(`${process.pid} waited ${ms} ms\n`), ms);
  } else {
    res.writeHead(404).end('not found\n');
  }
});

// nginx keeps idle upstream connections open for up to 60 s (the
// upstream's keepalive_timeout). If Node closed them first (its default
// is 5 s), nginx could write a request on a connection Node is closing.
// nginx retries such a request elsewhere when it may, but it need not
// happen at all: let nginx be the one that closes idle connections.
server.keepAliveTimeout = 65_000;

server.on('error', (err) => {
  console.error(`[backend ${HOST}] ${err.message}`);
  process.exit(1);
});
server.listen(PORT, HOST, () => console.log(`[backend ${process.pid}] listening on ${HOST}:${PORT}`));
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
