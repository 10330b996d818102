// Lab 03-shared-handle: a child. main.ts starts this file with fork().
//
// The HTTP part is done: this server answers GET / with its own pid in
// x-worker-pid. What is missing is a socket to accept on. The child
// must not bind PORT itself: the primary sends it the listening socket.
import http from 'node:http';
// TODO: import the net.Server type: import type net from 'node:net';

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

// TODO: wait for the primary's message:
//   process.on('message', (message: unknown, handle: unknown) => ...)
// When message is 'server' and handle is there, accept on it:
//   server.listen(handle as net.Server, () => console.log(...))
// The handle arrives as a net.Server that is already listening;
// listen(handle) hands its socket to the HTTP server above.

// TODO: exit when the IPC channel closes:
//   process.on('disconnect', () => process.exit(0));
// Without it, a child keeps serving on the socket after the primary
// dies: an orphan, still answering on PORT.

// TODO: last, tell the primary you are ready: process.send!('ready').
// Not earlier: the server arrives already accepting connections, so the
// 'message' listener above must exist before the primary sends it.
