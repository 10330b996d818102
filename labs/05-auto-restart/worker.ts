// Lab 05-auto-restart: a child. main.ts starts this file with fork().
//
// It serves HTTP on the listening socket the primary sends it. Right
// now an uncaught exception (GET /crash makes one) kills it on the spot:
// every request it was serving is cut off, and the primary only learns
// about it from 'exit'.
import { existsSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';

// Fault injection for the checker; keep this line as it is. While the
// file named by CRASH_FILE exists, every new child dies right here, at
// start-up, before it can serve anything (or report anything).
if (process.env.CRASH_FILE && existsSync(process.env.CRASH_FILE)) throw new Error(`crashing at start-up: ${process.env.CRASH_FILE} exists`);

// TODO: read DRAIN_MS from process.env (default 5000): how long a
// crashed child may take to finish its requests before it must exit.
const MAX_SLOW_MS = 10_000;

const send = process.send?.bind(process);
if (!send) {
  console.error('worker.ts is started by main.ts with fork(); run main.ts');
  process.exit(1);
}

const server = http.createServer((req, res) => {
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

// TODO: process.on('uncaughtException', (err) => { ... }). Only once
// (a second error while draining changes nothing):
//   1. tell the primary: send({ type: 'crashing', error: err.message }).
//      Not { cmd: 'NODE_...' }: Node keeps those messages for itself and
//      the primary's 'message' handler would never see it.
//   2. a hard deadline: setTimeout(() => process.exit(1), DRAIN_MS),
//      with .unref() so that the timer itself keeps nothing alive
//   3. server.close(callback): no new connections; the callback runs
//      when every open connection has closed. Exit there.
// A keep-alive connection whose request is in flight stays open after
// its answer unless that answer says 'connection: close' (see the lesson).

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
