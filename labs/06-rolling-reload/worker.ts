// Lab 06-rolling-reload: a child, started by main.ts with fork().
//
// It serves HTTP on the listening socket the primary sends it. Your job
// here: say "ready" at the right moment, drain when told to (stop
// accepting, answer with Connection: close), and leave gracefully when
// the primary disconnects.
import { existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';

const BROKEN_FILE = process.env.BROKEN_FILE ?? '';
const MAX_SLOW_MS = 30_000;

// The messages on the IPC channel. main.ts has the same ones.
type ToChild = { type: 'listen' } | { type: 'drain' };
type ToPrimary = { type: 'ready' };

const send = process.send?.bind(process);
if (!send) {
  console.error('worker.ts is started by main.ts with fork(); run main.ts');
  process.exit(1);
}

// TODO: a `draining` flag, false until the child starts to drain.

function answer(res: http.ServerResponse, status: number, body: string): void {
  res.setHeader('x-worker-pid', String(process.pid));
  // TODO: while draining, also set the header Connection: close. Decide
  // it here, when the answer is written, not when the request arrived:
  // a slow request that started before the drain must send its client
  // away too. Node closes the connection after such an answer.
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

// TODO: drain(): once only (use the flag),
//   1. set draining = true
//   2. if the server never listened, just process.exit(0)
//   3. stop accepting, but keep the open connections, and exit when the
//      last one has ended:
//        net.Server.prototype.close.call(server, () => process.exit(0))
//      Not server.close(): http.Server's close() first calls
//      closeIdleConnections(), which cuts idle keep-alive connections
//      that a client may be reusing at that very moment (see the lesson).

process.on('message', (msg: ToChild, handle: unknown) => {
  if (msg?.type === 'listen' && handle) {
    // Fault injection for the checker, do not remove: while this file
    // exists, a new child hangs in its start-up and never says it is
    // ready, like a new version that cannot reach its database.
    if (BROKEN_FILE && existsSync(BROKEN_FILE)) return;
    server.listen(handle as net.Server, () => {
      // TODO: now, and not earlier, tell the primary you can serve:
      // send({ type: 'ready' } satisfies ToPrimary, callback)
    });
  }
  // TODO: on { type: 'drain' }, drain().
});

process.on('disconnect', () => {
  // TODO: leave gracefully instead: drain() (in case the primary died
  // without telling us), then setImmediate(() =>
  // server.closeIdleConnections()): a keep-alive connection still idle
  // after this turn's reads was silent for the whole drain window.
  // drain()'s callback exits once the last connection is done.
  process.exit(0);
});

// If the primary died while this file was still loading, 'disconnect'
// may already have fired before the listener above existed.
if (!process.connected) process.exit(0);
