// Lab 05-auto-restart: the primary.
//
// What works already: the primary binds the port once, forks WORKERS
// children and sends each of them the listening socket; the children
// serve HTTP on it. SIGTERM stops everything.
//
// What does not: when a child crashes or is killed, nobody replaces it.
// The checker stops at step 4, crash-under-load. Work through the TODOs
// here and in worker.ts:
//
//   1. worker.ts: on an uncaught exception, tell the primary, stop
//      accepting, finish what is in flight, exit by DRAIN_MS at the latest
//   2. here: fork the replacement when that message arrives
//   3. here: also replace a child that dies without a message (SIGKILL)
//   4. here: stop refilling a slot whose children keep dying young
//
//   npx node-cluster-lab verify 05-auto-restart   runs the checker
//   npx node-cluster-lab hint 05-auto-restart     when you are stuck
import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import util from 'node:util';

const PORT = Number(process.env.PORT ?? 3000);
const HOST = process.env.HOST ?? '127.0.0.1';
const WORKERS = Number(process.env.WORKERS ?? 2);
// TODO: read MIN_UPTIME_MS (default 5000) and MAX_RESTARTS (default 16)
// from process.env, the same way. The checker sets small values to test
// the crash-loop limit.

const WORKER_FILE = fileURLToPath(new URL('./worker.ts', import.meta.url));

// net._createServerHandle() is semi-internal (underscore, undocumented,
// but exported by node:net and used by the cluster module). It returns a
// bound TCP handle that is not listening yet, or a negative errno. The
// primary never polls it, so it accepts nothing itself; but the socket
// stays open here for the primary's whole life, and it can be sent to
// every child, replacements included.
type CreateServerHandle = (address: string, port: number, addressType: number) => object | number;
const createServerHandle = (net as unknown as { _createServerHandle: CreateServerHandle })._createServerHandle;
const handle = createServerHandle(HOST, PORT, net.isIPv6(HOST) ? 6 : 4);
if (typeof handle === 'number') {
  console.error(`[primary] cannot bind ${HOST}:${PORT}: ${util.getSystemErrorName(handle)}`);
  process.exit(1);
}
// A port already taken is NOT reported above: libuv keeps that bind error
// in the handle and returns it from the next call, as cluster's own
// checkBindError does. Skip this and the child's listen(handle) succeeds on
// a random port on every interface (0.0.0.0), and nothing reports an error.
const bindErrno = (handle as { getsockname(out: object): number }).getsockname({});
if (bindErrno !== 0) {
  console.error(`[primary] cannot bind ${HOST}:${PORT}: ${util.getSystemErrorName(bindErrno)}`);
  (handle as { close(): void }).close();
  process.exit(1);
}

// One slot per child the primary should have. A replacement takes the
// slot of the child it replaces.
type Slot = { id: number; child?: ChildProcess; startedAt: number };
// TODO: for the crash-loop limit, a slot also needs to count how many of
// its children in a row died young (less than MIN_UPTIME_MS after their
// fork).
const slots: Slot[] = Array.from({ length: WORKERS }, (_, id) => ({ id, startedAt: 0 }));

// Every child process still alive (a crashed one that is still draining
// too), so that SIGTERM can stop them all.
const alive = new Set<ChildProcess>();
let shuttingDown = false;

function startChild(slot: Slot): void {
  const child = fork(WORKER_FILE);
  const pid = child.pid;
  slot.child = child;
  slot.startedAt = Date.now();
  alive.add(child);

  child.on('error', (err) => {
    console.error(`[primary] child ${pid}: ${err.message}`);
  });

  // TODO: child.on('message', ...). When this child reports its crash
  // (the message worker.ts sends), fork its replacement right away, into
  // the same slot: the old child may drain for seconds yet. Remember that
  // you did, so that its 'exit' later does not fork a second one.

  child.on('exit', (code, signal) => {
    alive.delete(child);
    if (shuttingDown) return;
    console.error(`[primary] child ${pid} died (${signal ?? `exit code ${code}`})`);
    // TODO: a child that exits without having reported a crash (SIGKILL,
    // the OOM killer, a throw before its handler existed) needs a
    // replacement too.
    //
    // TODO: before refilling a slot, decide whether it is in a crash loop:
    // if this child lived less than MIN_UPTIME_MS, count one more young
    // death for the slot (otherwise start counting again from 0); once
    // the count is above MAX_RESTARTS, leave the slot empty and print why.
  });

  // The handle travels as a file descriptor beside the message. The
  // primary keeps its own copy, so it can do this again for every child.
  child.send({ type: 'listen' }, handle as net.Server, (err) => {
    if (err) console.error(`[primary] could not send the socket to ${pid}: ${err.message}`);
  });
}

function shutdown(): void {
  if (shuttingDown) return;
  shuttingDown = true;
  // Whatever goes wrong below, the tree must be gone well within 3 s.
  setTimeout(() => {
    for (const child of alive) child.kill('SIGKILL');
    process.exit(1);
  }, 2000).unref();
  const exited = [...alive].map((child) => new Promise((resolve) => child.once('exit', resolve)));
  for (const child of alive) child.kill('SIGTERM');
  void Promise.all(exited).then(() => process.exit(0));
}

process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

console.log(`[primary] pid ${process.pid}, http://${HOST}:${PORT}/, ${WORKERS} children`);
for (const slot of slots) startChild(slot);
