// Lab 05-auto-restart, reference solution: a child, started by main.ts
// with fork().
//
// It serves HTTP on the socket the primary sends it. When something
// throws and nobody catches it, the process is in an unknown state, so it
// does not try to carry on: it tells the primary (which forks a
// replacement at once), stops accepting, lets the requests it already has
// finish, and exits, at the latest DRAIN_MS after the error.
import { existsSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';

// Fault injection for the checker; keep this line as it is. While the
// file named by CRASH_FILE exists, every new child dies right here, at
// start-up, before it can serve anything (or report anything).
if (process.env.CRASH_FILE && existsSync(process.env.CRASH_FILE)) throw new Error(`crashing at start-up: ${process.env.CRASH_FILE} exists`);

const DRAIN_MS = Number(process.env.DRAIN_MS ?? 5000);
const MAX_SLOW_MS = 10_000;

const send = process.send?.bind(process);
if (!send) {
  console.error('worker.ts is started by main.ts with fork(); run main.ts');
  process.exit(1);
}

// Answers not sent yet, and whether this process is on its way out.
const unfinished = new Set<http.ServerResponse>();
let crashing = false;

const server = http.createServer((req, res) => {
  unfinished.add(res);
  res.on('close', () => unfinished.delete(res));
  if (crashing) res.setHeader('connection', 'close');
  // Every answer names the process that served it.
  res.setHeader('x-worker-pid', String(process.pid));
  res.setHeader('content-type', 'text/plain');
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method !== 'GET') {
    res.writeHead(405).end('GET only\n');
  } else if (url.pathname === '/') {
    res.end(`hello from ${process.pid}\n`);
  } else if (url.pathname === '/slow') {
    const ms = Math.min(Math.max(Number(url.searchParams.get('ms')) || 0, 0), MAX_SLOW_MS);
    setTimeout(() => res.end(`${process.pid} waited ${ms} ms\n`), ms);
  } else if (url.pathname === '/crash') {
    res.end(`${process.pid} is about to crash\n`);
    // Thrown from a callback of its own, not from the request handler:
    // nothing up the stack catches it, so it is an uncaught exception.
    setImmediate(() => {
      throw new Error('crash requested with GET /crash');
    });
  } else {
    res.writeHead(404).end('not found\n');
  }
});

process.on('uncaughtException', (err) => {
  console.error(`[worker ${process.pid}] uncaught: ${err.stack ?? err}`);
  // A second error while draining changes nothing: we are leaving anyway.
  if (crashing) return;
  crashing = true;

  // 1. Tell the primary first, so that the replacement starts while we
  //    drain. A 'crashing' type, not a cmd starting with NODE_.
  const told = new Promise<void>((resolve) => {
    send({ type: 'crashing', error: err.message }, (sendErr: Error | null) => {
      if (sendErr) console.error(`[worker ${process.pid}] could not tell the primary: ${sendErr.message}`);
      resolve();
    });
  });

  // 2. The hard deadline. A keep-alive client or a request that never
  //    ends must not keep a broken process alive. unref(): the timer
  //    itself must not be what keeps us running.
  setTimeout(() => {
    console.error(`[worker ${process.pid}] still draining after ${DRAIN_MS} ms; exiting anyway`);
    process.exit(1);
  }, DRAIN_MS).unref();

  // 3. Stop accepting. Our siblings keep accepting on the shared socket,
  //    and the primary still holds it, so no connection is refused.
  //    close() also closes the keep-alive connections that are idle now
  //    (Node 19+), and calls back once every other connection has closed.
  //    A busy keep-alive connection would stay open after its answer, so
  //    each answer still to come says "connection: close".
  for (const res of unfinished) if (!res.headersSent) res.setHeader('connection', 'close');
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));

  void Promise.all([told, closed]).then(() => process.exit(1));
});

// The primary sends the listening socket once, right after fork().
process.on('message', (msg: unknown, handle: unknown) => {
  if ((msg as { type?: unknown })?.type !== 'listen' || !handle) return;
  server.listen(handle as net.Server, () => {
    console.log(`[worker ${process.pid}] accepting on the primary's socket`);
  });
});

// The channel closes when the primary exits. Without this, the listening
// server keeps this process alive as an orphan, still answering on PORT.
process.on('disconnect', () => process.exit(0));

// If the primary died while this file was still loading, 'disconnect'
// may already have fired before the listener above existed.
if (!process.connected) process.exit(0);
