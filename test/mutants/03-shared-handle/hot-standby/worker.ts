// Lab 03-shared-handle, reference solution: a child, started by main.ts
// with fork().
//
// It has an ordinary HTTP server, but it never binds a port. The primary
// sends it the listening socket, and it accepts connections on that; its
// siblings accept on the very same socket.
import http from 'node:http';
import type net from 'node:net';

const send = process.send?.bind(process);
if (!send) {
  console.error('worker.ts is started by main.ts with fork(); run main.ts');
  process.exit(1);
}

const server = http.createServer((req, res) => {
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

// The socket arrives as a raw handle, bound but not listening: nothing
// accepts on it until someone calls listen().
// MUTANT: only the active child listens; a standby keeps the handle in
// reserve (so it holds the socket) and never accepts on it.
export let reserve: unknown;
process.on('message', (message: unknown, handle: unknown) => {
  const order = message as { type?: string; active?: boolean };
  if (order?.type !== 'server' || !handle) return;
  if (!order.active) {
    reserve = handle;
    console.log(`[worker ${process.pid}] standing by`);
    return;
  }
  server.listen(handle as net.Server, () => {
    console.log(`[worker ${process.pid}] accepting on the shared socket`);
  });
});

// The channel closes when the primary exits. Without this, the listening
// server keeps this process alive as an orphan, still answering on PORT.
process.on('disconnect', () => process.exit(0));

// Only now, with the listener above in place, ask for the socket.
send('ready');
