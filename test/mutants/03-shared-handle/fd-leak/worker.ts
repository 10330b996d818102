// Lab 03-shared-handle, reference solution: a child, started by main.ts
// with fork().
//
// It has an ordinary HTTP server, but it never binds a port. The primary
// sends it the listening socket, and it accepts connections on that; its
// siblings accept on the very same socket.
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';

const send = process.send?.bind(process);
if (!send) {
  console.error('worker.ts is started by main.ts with fork(); run main.ts');
  process.exit(1);
}

const server = http.createServer((req, res) => {
  // MUTANT: an access log opened for every request and never closed:
  // one file descriptor leaked per request.
  const log = fs.createWriteStream('/dev/null', { flags: 'a' });
  log.write(`${new Date().toISOString()} ${req.method} ${req.url}\n`);
  // Every answer names the process that accepted the connection.
  res.setHeader('x-worker-pid', String(process.pid));
  if (req.method === 'GET' && req.url === '/') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`hello from ${process.pid}\n`);
    return;
  }
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found\n');
});

// The server arrives as a plain net.Server that is already listening:
// Node rebuilds it on this side around the received file descriptor.
// listen(handle) moves that socket to our HTTP server, in the same tick,
// before a single connection can be accepted without a handler.
process.on('message', (message: unknown, handle: unknown) => {
  if (message !== 'server' || !handle) return;
  server.listen(handle as net.Server, () => {
    console.log(`[worker ${process.pid}] accepting on the shared socket`);
  });
});

// The channel closes when the primary exits. Without this, the listening
// server keeps this process alive as an orphan, still answering on PORT.
process.on('disconnect', () => process.exit(0));

// Only now, with the listener above in place, ask for the socket.
send('ready');
