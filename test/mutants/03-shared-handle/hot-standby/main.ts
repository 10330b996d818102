// Lab 03-shared-handle, reference solution: the primary.
//
// The primary opens the listening socket, hands a copy of it to every
// child over IPC, and then closes its own copy. From then on the
// children accept connections themselves and the kernel decides which
// child gets each one. The primary serves nothing: it starts the
// children and stops them again.
import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const PORT = Number(process.env.PORT ?? 3000);
const HOST = process.env.HOST ?? '127.0.0.1';
const WORKERS = Number(process.env.WORKERS ?? 2);

// fork() re-runs node with this process's execArgv, so the tsx loader
// that runs main.ts also runs worker.ts.
const WORKER_FILE = fileURLToPath(new URL('./worker.ts', import.meta.url));

let children: ChildProcess[] = [];
let ready = 0;
let shared = false;
let shuttingDown = false;

// MUTANT: an active/standby design. The socket is bound but not listening
// (net._createServerHandle, as cluster's SCHED_NONE does), every child
// gets it, but only the first child is told to accept; the others keep it
// in reserve. One child takes every connection.
type Handle = object;
const createServerHandle = (net as unknown as { _createServerHandle: (host: string, port: number, family: number) => Handle | number })._createServerHandle;

function startChild(): void {
  const child = fork(WORKER_FILE);
  const pid = child.pid;
  children.push(child);

  // The child says 'ready' once its 'message' listener exists. The server
  // it will receive is already listening when it arrives, so a child that
  // got it earlier (still loading its code) would accept connections with
  // nobody to answer them.
  child.on('message', (message) => {
    if (message !== 'ready') return;
    ready++;
    if (ready === WORKERS) listenAndShare();
  });

  // Without a listener, an 'error' (a failed spawn, a send to a dead
  // child) would crash the primary, and the children with it.
  child.on('error', (err) => {
    console.error(`[primary] child ${pid}: ${err.message}`);
  });

  // The other children keep accepting on the shared socket, so a dead
  // child costs only the connections it had accepted. Replacing it would
  // need the socket, which this primary has given away (see lab 05).
  child.on('exit', (code, signal) => {
    children = children.filter((c) => c !== child);
    if (shuttingDown) return;
    const how = signal ?? `exit code ${code}`;
    if (!shared) {
      console.error(`[primary] child ${pid} died while starting (${how}); giving up`);
      shutdown();
      return;
    }
    console.error(`[primary] child ${pid} died (${how}); ${children.length} still serving`);
  });
}

function listenAndShare(): void {
  const handle = createServerHandle(HOST, PORT, 4);
  if (typeof handle === 'number') {
    console.error(`[primary] cannot bind ${HOST}:${PORT} (error ${handle})`);
    process.exit(1);
  }
  shared = true;
  children.forEach((child, index) => {
    child.send({ type: 'server', active: index === 0 }, handle as net.Server, (err) => {
      if (err) console.error(`[primary] could not send the socket to ${child.pid}: ${err.message}`);
    });
  });
}

function shutdown(): void {
  if (shuttingDown) return;
  shuttingDown = true;
  // Whatever goes wrong below, the tree must be gone well within 3 s.
  setTimeout(() => {
    for (const child of children) child.kill('SIGKILL');
    process.exit(1);
  }, 2000).unref();
  const exited = children.map((child) => new Promise((resolve) => child.once('exit', resolve)));
  for (const child of children) child.kill('SIGTERM');
  void Promise.all(exited).then(() => process.exit(0));
}

process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

for (let i = 0; i < WORKERS; i++) startChild();
