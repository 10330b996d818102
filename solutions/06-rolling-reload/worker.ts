// Lab 06-rolling-reload, reference solution: a child, started by main.ts
// with fork().
//
// It serves HTTP on the listening socket the primary sends it and says
// "ready" once it can serve. When it is retired it drains: it stops
// accepting, answers with `Connection: close` so keep-alive clients
// move to the new children, and exits once its last connection ends.
import { existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';

const BROKEN_FILE = process.env.BROKEN_FILE ?? '';
const MAX_SLOW_MS = 30_000;

type ToChild = { type: 'listen' } | { type: 'drain' };
type ToPrimary = { type: 'ready' };

const send = process.send?.bind(process);
if (!send) {
  console.error('worker.ts is started by main.ts with fork(); run main.ts');
  process.exit(1);
}

/** True from the drain on: every answer asks the client to close. */
let draining = false;

/**
 * Write the answer. Whether it carries `Connection: close` is decided
 * now, when the head is written, not when the request arrived: a slow
 * request that started before the drain must still send its client away.
 */
function answer(res: http.ServerResponse, status: number, body: string): void {
  res.setHeader('x-worker-pid', String(process.pid));
  // Node sees this header, sends it, and closes its side of the
  // connection after the response. The client knows not to reuse it.
  if (draining) res.setHeader('connection', 'close');
  res.writeHead(status, { 'content-type': 'text/plain' });
  res.end(body);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method === 'GET' && url.pathname === '/') {
    answer(res, 200, `hello from ${process.pid}\n`);
  } else if (req.method === 'GET' && url.pathname === '/slow') {
    const ms = Math.min(Math.max(Number(url.searchParams.get('ms')) || 0, 0), MAX_SLOW_MS);
    setTimeout(() => answer(res, 200, `slow hello from ${process.pid} after ${ms} ms\n`), ms);
  } else {
    answer(res, 404, 'not found\n');
  }
});

// An error of the server itself (EMFILE on accept, say). A port that is
// already taken never shows up here: the primary found that out with
// getsockname() before it forked anyone.
server.on('error', (err) => {
  console.error(`[worker ${process.pid}] ${err.message}`);
  process.exit(1);
});

/**
 * Stop accepting and send every client away, then exit once the last
 * connection has ended. http.Server's close() is closeIdleConnections()
 * followed by net.Server's close(); here we want only the second half:
 * no new connections, but the open ones stay, so each keep-alive client
 * gets one more answer, with Connection: close, and leaves on its own.
 */
function drain(): void {
  if (draining) return;
  draining = true;
  if (!server.listening) process.exit(0);
  net.Server.prototype.close.call(server, () => process.exit(0));
}

process.on('message', (msg: ToChild, handle: unknown) => {
  if (msg?.type === 'listen' && handle) {
    // Fault injection for the checker, do not remove: while this file
    // exists, a new child hangs in its start-up and never says it is
    // ready, like a new version that cannot reach its database.
    if (BROKEN_FILE && existsSync(BROKEN_FILE)) return;
    // listen(handle) accepts on the primary's socket, shared with the
    // other children. "ready" goes out once we really accept; a real app
    // would also wait for its database pool, caches, and so on.
    server.listen(handle as net.Server, () => {
      const ready: ToPrimary = { type: 'ready' };
      send(ready, (err: Error | null) => {
        if (err) console.error(`[worker ${process.pid}] ${err.message}`);
      });
    });
  } else if (msg?.type === 'drain') {
    drain();
  }
});

// The primary disconnects us at the end of the drain window (or it
// died). A keep-alive connection that is still idle now has been silent
// for the whole window: close it. Requests in flight finish, and the
// drain's callback exits once the last connection has ended. The
// primary kills us if that takes longer than DRAIN_MS.
process.on('disconnect', () => {
  drain();
  setImmediate(() => server.closeIdleConnections()); // after this turn's reads: requests already here are busy, not idle
});

// If the primary died while this file was still loading, 'disconnect'
// may already have fired before the listener above existed.
if (!process.connected) process.exit(0);
