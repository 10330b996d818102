// Lab 06-rolling-reload: the primary.
//
// It already holds the listening socket, forks WORKERS children and
// hands the socket to each, and the children serve HTTP on it. What it
// does on SIGHUP is the problem: it kills every child and forks new
// ones, so for a moment nobody serves and requests in flight are cut.
// The checker stops it at step 4, rolling.
//
// Your job: replace the children one at a time, without a single failed
// request. Work through the TODOs from top to bottom (worker.ts has a
// few too).
//
//   npx node-cluster-lab verify 06-rolling-reload   runs the checker
//   npx node-cluster-lab hint 06-rolling-reload     when you are stuck
import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { getSystemErrorName } from 'node:util';

const PORT = Number(process.env.PORT ?? 3000);
const HOST = process.env.HOST ?? '127.0.0.1';
const WORKERS = Number(process.env.WORKERS ?? 2);
// TODO: read DRAIN_MS (default 5000): how long a retired child may take
// to finish its requests before you kill it.
// TODO: read READY_TIMEOUT_MS (default 3000): how long a reload waits
// for a new child's ready message before it gives up.

const WORKER_FILE = fileURLToPath(new URL('./worker.ts', import.meta.url));

// The messages on the IPC channel. worker.ts has the same ones.
type ToChild = { type: 'listen' } | { type: 'drain' };
type ToPrimary = { type: 'ready' };

// A bound but not listening TCP socket, created once and kept for the
// life of the primary. _createServerHandle is what the cluster module
// uses internally for this: exported, undocumented (hence the cast).
// The primary never accepts on it; each child calls listen() on its
// copy. Because the primary keeps its copy, the socket stays open even
// while no child accepts: connections wait in the kernel's queue.
type ServerHandle = object;
const createServerHandle = (net as unknown as {
  _createServerHandle(address: string, port: number, addressType: 4 | 6): ServerHandle | number;
})._createServerHandle;
type BoundHandle = ServerHandle & { getsockname(out: object): number; close(): void };
const created = createServerHandle(HOST, PORT, net.isIPv6(HOST) ? 6 : 4);
// A number is an errno (a bad address). A bind error such as EADDRINUSE
// comes back later: libuv keeps it in the handle and reports it from the
// next listen() or getsockname(). Ask now, as the cluster module does
// (checkBindError): a child's listen() on a handle whose bind failed
// succeeds on a random port of every interface, and reports nothing.
const bindErrno = typeof created === 'number' ? created : (created as BoundHandle).getsockname({});
if (bindErrno !== 0) {
  if (typeof created !== 'number') (created as BoundHandle).close();
  console.error(`[primary] cannot bind ${HOST}:${PORT}: ${getSystemErrorName(bindErrno)}`);
  process.exit(1);
}
const handle = created as ServerHandle;

/** The children that serve. */
let serving: ChildProcess[] = [];
/** Every child still running, whatever its state (for SIGTERM). */
const live = new Set<ChildProcess>();
let shuttingDown = false;

/** Fork a child and hand it the socket. It starts accepting as soon as it listens. */
function startChild(): ChildProcess {
  const child = fork(WORKER_FILE);
  const pid = child.pid;
  live.add(child);
  child.on('error', (err) => console.error(`[primary] child ${pid}: ${err.message}`));
  child.on('exit', (code, signal) => {
    live.delete(child);
    if (serving.includes(child)) {
      serving = serving.filter((c) => c !== child);
      if (!shuttingDown) console.error(`[primary] child ${pid} died (${signal ?? `exit code ${code}`})`);
    }
  });
  const listen: ToChild = { type: 'listen' };
  child.send(listen, handle as net.Server, (err) => {
    if (err) console.error(`[primary] could not send the socket to ${pid}: ${err.message}`);
  });
  return child;
}

// TODO: waitReady(child, timeoutMs): a Promise<boolean> that resolves
// true when the child sends { type: 'ready' }, and false if the child
// exits first or timeoutMs passes. Remove your listeners and clear the
// timer either way.

// TODO: retire(child, deadlineMs): take a child out of service without
// cutting a single request:
//   1. remove it from `serving`
//   2. send it { type: 'drain' }: it stops accepting, and from now on
//      its answers carry Connection: close, so keep-alive clients leave
//      on their own
//   3. about 500 ms later, child.disconnect(): it closes what is still
//      idle and exits once its last request is answered
//   4. after deadlineMs, child.kill('SIGKILL') if it is still there
//      (clear both timers when it exits)

// TODO: rollingPass(): for each of the WORKERS children, one at a time:
// fork a new one (startChild), wait for it (waitReady with
// READY_TIMEOUT_MS), and only then put it in `serving` and retire one
// old child. If the new one is not ready in time, kill it and stop the
// pass: the old children that are left keep serving.

// TODO: a SIGHUP that arrives while a pass is running must not start a
// second pass alongside it. Remember it, and run one more full pass
// when the current one ends.
process.on('SIGHUP', () => {
  // TODO: delete this stop-all-start-all and start a rolling pass.
  console.log('[primary] SIGHUP: killing every child and starting new ones');
  for (const child of serving) child.kill('SIGTERM');
  serving = Array.from({ length: WORKERS }, () => startChild());
});

function shutdown(): void {
  if (shuttingDown) return;
  shuttingDown = true;
  // Whatever goes wrong below, the tree must be gone within 3 s.
  setTimeout(() => {
    for (const child of live) child.kill('SIGKILL');
    process.exit(1);
  }, 2500).unref();
  const exited = [...live].map((child) => new Promise((resolve) => child.once('exit', resolve)));
  // TODO: once retire() exists, retire every live child with a 2000 ms
  // deadline instead: the requests in flight get their answers.
  for (const child of live) child.kill('SIGTERM');
  void Promise.all(exited).then(() => process.exit(0));
}

process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

// At start-up there is no old child to fall back on: the children serve
// as soon as they listen, and READY_TIMEOUT_MS does not apply.
serving = Array.from({ length: WORKERS }, () => startChild());
console.log(`[primary] pid ${process.pid}, http://${HOST}:${PORT}/, children ${serving.map((c) => c.pid).join(', ')}`);
