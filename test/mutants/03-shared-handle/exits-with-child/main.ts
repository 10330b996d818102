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

// A plain net.Server: it never gets a 'connection' handler, because the
// primary never serves. It exists to open the socket and to be sent.
const server = net.createServer();

server.on('error', (err) => {
  console.error(`[primary] cannot listen on ${HOST}:${PORT}: ${err.message}`);
  process.exit(1);
});

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
    // MUTANT: a child's death is treated as fatal for the whole tree.
    console.error(`[primary] child ${pid} died (${how}); shutting everything down`);
    shutdown();
  });
}

// Called once every child is ready. listen() first: only a listening
// server has a socket to send.
function listenAndShare(): void {
  server.listen(PORT, HOST, () => {
    shared = true;
    let waiting = children.length;
    for (const child of children) {
      // The socket travels as a file descriptor beside the message. The
      // callback runs once it has been written to the channel: from then
      // on the child's copy exists, whatever the primary does with its own.
      child.send('server', server, (err) => {
        if (err) console.error(`[primary] could not send the server to ${child.pid}: ${err.message}`);
        if (--waiting > 0) return;
        // Every child has its copy. If the primary kept this one open it
        // would accept connections too, and nobody would answer them.
        server.close();
        console.log(`[primary] pid ${process.pid}: ${children.length} children accept on http://${HOST}:${PORT}/`);
      });
    }
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
