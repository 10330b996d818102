// Lab 04-dispatch, reference solution: a child, started by main.ts
// with fork().
//
// It never listens. Its http.Server only ever sees the connections the
// primary hands over: each one arrives as a socket with a 'socket'
// message and is fed to the server with emit('connection', socket).
import http from 'node:http';
import type { Socket } from 'node:net';

/** Bigger echo bodies are refused rather than buffered. */
const MAX_BODY = 16 * 1024 * 1024;
const ROLE = process.argv[2] ?? 'normal';

if (!process.send) {
  console.error('worker.ts is started by main.ts with fork(); run main.ts');
  process.exit(1);
}

/**
 * A child started by a root primary is root too. It needs none of
 * that: the primary already holds the port. Become 'nobody' before
 * touching a single connection, so a bug in request handling cannot
 * be turned into root access.
 */
function dropPrivileges(): void {
  if (process.getuid?.() !== 0) return;
  // Supplementary groups first: setgid() leaves them alone, and root's
  // list may well contain group 0. Then the group, then the user:
  // once we are no longer root, setgid() is not allowed any more.
  process.setgroups!([]);
  try {
    process.setgid!('nogroup'); // Debian, Ubuntu
  } catch {
    process.setgid!('nobody'); // Fedora, Alpine, ...
  }
  process.setuid!('nobody');
}

dropPrivileges();

const server = http.createServer((req, res) => {
  res.setHeader('x-worker-pid', String(process.pid));
  if (req.method === 'GET' && req.url === '/') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`hello from ${ROLE} child ${process.pid}\n`);
    return;
  }
  if (req.method === 'POST' && req.url === '/echo') {
    // A body arrives in many chunks (64 KiB or less each): keep them
    // all and answer once the request has ended.
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

// This server never listens, so it never emits 'listening' by itself:
// emit it once. That sets up what a listening server has, the list of
// its connections (without it closeIdleConnections() and
// closeAllConnections() do nothing) and the periodic check behind
// headersTimeout and requestTimeout.
server.emit('listening');

process.on('message', (msg: unknown, socket?: Socket) => {
  if (msg !== 'socket') return;
  // The connection may have closed while it travelled: then the
  // message arrives without a socket.
  if (!socket) return;
  server.emit('connection', socket);
});

// The primary is gone (exited, killed, or disconnected us): so are we.
process.on('disconnect', () => process.exit(0));
if (!process.connected) process.exit(0);
