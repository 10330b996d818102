// Lab 05-auto-restart, reference solution: the primary.
//
// The primary binds the port once and keeps that socket for its whole
// life. Every child it forks, replacements included, gets a copy over IPC
// and accepts connections on it. The primary never accepts anything
// itself: it only keeps WORKERS children alive.
//
// A child that hits an uncaught exception reports it with a 'crashing'
// message, then finishes what it has in flight and exits. The primary
// forks the replacement as soon as the message arrives, so a new child is
// starting while the old one drains. A child that dies without a word
// (SIGKILL, the out-of-memory killer) is replaced from its 'exit' event.
// A slot whose children keep dying young is left empty after
// MAX_RESTARTS tries, so a broken build cannot fork forever.
import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import util from 'node:util';

const PORT = Number(process.env.PORT ?? 3000);
const HOST = process.env.HOST ?? '127.0.0.1';
const WORKERS = Number(process.env.WORKERS ?? 2);
// A child that dies sooner than this after its fork died "young". PM2
// uses 1000 ms for plain node; a child that loads tsx first may need
// about that long just to reach its first line, so this lab uses 5000.
const MIN_UPTIME_MS = Number(process.env.MIN_UPTIME_MS ?? 5000);
// How many young deaths in a row a slot is refilled after.
const MAX_RESTARTS = Number(process.env.MAX_RESTARTS ?? 16);

// fork() re-runs node with this process's execArgv, so the tsx loader
// that runs main.ts also runs worker.ts.
const WORKER_FILE = fileURLToPath(new URL('./worker.ts', import.meta.url));

// The one message a child sends. Its `type` must not be a `cmd` starting
// with NODE_: Node keeps those for itself and never emits 'message'.
type CrashingMessage = { type: 'crashing'; error: string };

function isCrashing(msg: unknown): msg is CrashingMessage {
  return typeof msg === 'object' && msg !== null && (msg as { type?: unknown }).type === 'crashing';
}

// net._createServerHandle() is semi-internal (underscore, undocumented,
// but exported by node:net since the early days and used by cluster). It
// returns a bound TCP handle that is not listening yet, or a negative
// errno. Nobody polls it in this process, so the primary never accepts a
// connection, yet the socket stays open here for as long as we live:
// connections that arrive while no child listens wait in the backlog
// instead of being refused.
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

// One slot per child the primary should have. A slot remembers when its
// current child was forked and how many of its children in a row died
// young.
type Slot = { id: number; child?: ChildProcess; startedAt: number; youngDeaths: number };
const slots: Slot[] = Array.from({ length: WORKERS }, (_, id) => ({ id, startedAt: 0, youngDeaths: 0 }));

// Every child process still alive, draining ones included, for shutdown.
const alive = new Set<ChildProcess>();
let shuttingDown = false;

function startChild(slot: Slot): void {
  const child = fork(WORKER_FILE);
  const pid = child.pid;
  slot.child = child;
  slot.startedAt = Date.now();
  alive.add(child);
  // Set once the child has reported its crash and been replaced, so that
  // its 'exit', which comes later, does not replace it a second time.
  let reported = false;

  // Without a listener, an 'error' (a failed spawn, a send to a dead
  // child) would crash the primary, and every child with it.
  child.on('error', (err) => {
    console.error(`[primary] child ${pid}: ${err.message}`);
  });

  child.on('message', (msg: unknown) => {
    if (!isCrashing(msg) || reported) return;
    reported = true;
    // Replace it now, not on 'exit': the old child may spend seconds
    // finishing its requests, and its replacement needs time to start.
    slotLost(slot, child, `reported a crash (${msg.error})`);
  });

  child.on('exit', (code, signal) => {
    alive.delete(child);
    if (shuttingDown || reported) return;
    // It died without telling us first: SIGKILL, the OOM killer, a crash
    // before its handler was installed.
    slotLost(slot, child, `died (${signal ?? `exit code ${code}`})`);
  });

  // The handle travels as a file descriptor beside the message. The
  // primary keeps its own copy, so it can do this again for every
  // replacement.
  child.send({ type: 'listen' }, handle as net.Server, (err) => {
    if (err) console.error(`[primary] could not send the socket to ${pid}: ${err.message}`);
  });
}

function slotLost(slot: Slot, child: ChildProcess, why: string): void {
  if (slot.child !== child) return;
  slot.child = undefined;
  const uptime = Date.now() - slot.startedAt;
  slot.youngDeaths = uptime < MIN_UPTIME_MS ? slot.youngDeaths + 1 : 0;
  if (slot.youngDeaths > MAX_RESTARTS) {
    console.error(
      `[primary] child ${child.pid} ${why} ${uptime} ms after its fork: ${slot.youngDeaths} children in a row ` +
        `died within MIN_UPTIME_MS=${MIN_UPTIME_MS}; slot ${slot.id} stays empty (MAX_RESTARTS=${MAX_RESTARTS})`,
    );
    return;
  }
  console.error(`[primary] child ${child.pid} ${why} ${uptime} ms after its fork; forking a replacement`);
  startChild(slot);
}

function shutdown(): void {
  if (shuttingDown) return;
  shuttingDown = true;
  // Whatever goes wrong below, the tree must be gone well within 3 s.
  setTimeout(() => {
    for (const child of alive) child.kill('SIGKILL');
    process.exit(1);
  }, 2000).unref();
  // Draining children too: a shutdown does not wait for their deadline.
  const exited = [...alive].map((child) => new Promise((resolve) => child.once('exit', resolve)));
  for (const child of alive) child.kill('SIGTERM');
  void Promise.all(exited).then(() => process.exit(0));
}

process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

console.log(
  `[primary] pid ${process.pid}, http://${HOST}:${PORT}/, ${WORKERS} children, ` +
    `MIN_UPTIME_MS=${MIN_UPTIME_MS}, MAX_RESTARTS=${MAX_RESTARTS}`,
);
for (const slot of slots) startChild(slot);
