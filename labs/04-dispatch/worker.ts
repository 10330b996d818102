// Lab 04-dispatch: a child. main.ts starts this file with fork().
//
// The HTTP part is written for you: an http.Server with the lab's
// routes. It never listens. Your job is to feed it the connections the
// primary sends, and to make this process safe to run.
import http from 'node:http';
// TODO: import the Socket type from 'node:net' (import type { Socket }).

/** Bigger echo bodies are refused rather than buffered. */
const MAX_BODY = 16 * 1024 * 1024;

// TODO: if this process runs as root (process.getuid?.() === 0), give
// that up before anything else:
//   process.setgroups([])      root's supplementary groups
//   process.setgid('nogroup')  ('nobody' where there is no nogroup)
//   process.setuid('nobody')   last: after it, setgid() is refused
// TypeScript types these as optional (they do not exist on Windows):
// write process.setuid!('nobody').

const server = http.createServer((req, res) => {
  res.setHeader('x-worker-pid', String(process.pid));
  if (req.method === 'GET' && req.url === '/') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`hello from child ${process.pid}\n`);
    return;
  }
  if (req.method === 'POST' && req.url === '/echo') {
    // A body arrives in many chunks: keep them all, answer on 'end'.
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY) {
        res.writeHead(413, { 'content-type': 'text/plain', connection: 'close' });
        res.end(`body larger than ${MAX_BODY} bytes\n`);
        return;
      }
      const body = Buffer.concat(chunks);
      res.writeHead(200, {
        'content-type': req.headers['content-type'] ?? 'application/octet-stream',
        'content-length': body.length,
      });
      res.end(body);
    });
    return;
  }
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found\n');
});

// This server never listens, so it never emits 'listening' by itself.
// Emitting it once gives it what a listening server has: its list of
// connections (closeIdleConnections() needs it) and the check behind
// headersTimeout and requestTimeout.
server.emit('listening');

// TODO: receive the connections:
//   process.on('message', (msg: unknown, socket?: Socket) => { ... })
// For msg === 'socket': if socket is undefined (the connection closed
// on its way here), do nothing; otherwise server.emit('connection',
// socket). Until this listener exists, nothing keeps the child alive:
// a forked child with nothing to wait for simply exits.

// TODO: exit when the IPC channel closes:
//   process.on('disconnect', () => process.exit(0));
// Without it, a child still holding a connection outlives the primary.
