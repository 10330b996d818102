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

// MUTANT: a port of its own (any free one), reported to the primary,
// instead of the primary's socket.
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as net.AddressInfo;
  send({ type: 'port', port });
});

// The channel closes when the primary exits. Without this, the listening
// server keeps this process alive as an orphan, still answering on PORT.
process.on('disconnect', () => process.exit(0));

