// Lab 06-rolling-reload, reference solution: the primary.
//
// The primary holds the listening socket for the whole life of the
// service and hands it to every child it forks. On SIGHUP it replaces
// the children one at a time: fork a new one, wait until it says it is
// ready, then retire an old one (a short Connection: close window,
// disconnect, SIGKILL after DRAIN_MS). Some child is accepting on the
// socket at every moment, and no client request is cut off.
import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { getSystemErrorName } from 'node:util';

const PORT = Number(process.env.PORT ?? 3000);
const HOST = process.env.HOST ?? '127.0.0.1';
const WORKERS = Number(process.env.WORKERS ?? 2);
/** How long a retired child may take to finish its requests before it is killed. */
const DRAIN_MS = Number(process.env.DRAIN_MS ?? 5000);
/** How long a new child may take to say it is ready before the reload gives up. */
const READY_TIMEOUT_MS = Number(process.env.READY_TIMEOUT_MS ?? 3000);
/**
 * How long a retired child answers with `Connection: close` before it is
 * disconnected. Long enough for every busy keep-alive connection to carry
 * one more request (and so learn it must leave); a client that is silent
 * for the whole window is closed while idle.
 */
const CLOSE_WINDOW_MS = Math.min(500, DRAIN_MS);
/** On SIGTERM, children get this long to finish: the tree must be gone within 3 s. */
const STOP_MS = Math.min(1500, DRAIN_MS);

const WORKER_FILE = fileURLToPath(new URL('./worker.ts', import.meta.url));

type ToChild = { type: 'listen' } | { type: 'drain' };
type ToPrimary = { type: 'ready' };

// A bound but not listening TCP socket. _createServerHandle is what the
// cluster module uses for this (its SharedHandle); it is exported but
// undocumented, hence the underscore and the cast. The primary never
// polls it, so it never accepts a connection itself; each child calls
// listen() on its copy and accepts. Because the primary keeps its copy,
// the socket stays open even when no child is accepting: connections
// wait in the kernel's queue instead of being refused.
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

/** The children that serve: exactly WORKERS once started. */
let serving: ChildProcess[] = [];
/** Every child that is still running, whatever its state (for SIGTERM). */
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
      // Not retired by us: it crashed. The next reload brings the count back.
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

/**
 * Resolves true when the child sends { type: 'ready' }, false if it
 * exits first or stays silent for `timeoutMs`.
 */
function waitReady(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const onMessage = (msg: ToPrimary) => {
      if (msg?.type === 'ready') finish(true);
    };
    const onExit = () => finish(false);
    const timer = setTimeout(() => finish(false), timeoutMs);
    function finish(ready: boolean) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(ready);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/**
 * Take a child out of service without cutting a request: a window of
 * Connection: close answers, then disconnect (it stops accepting and
 * exits when its last request is answered), then SIGKILL at the deadline.
 */
function retire(child: ChildProcess, deadlineMs: number): void {
  serving = serving.filter((c) => c !== child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  if (child.connected) {
    const drain: ToChild = { type: 'drain' };
    child.send(drain, (err) => {
      if (err) console.error(`[primary] could not tell ${child.pid} to drain: ${err.message}`);
    });
  }
  const windowTimer = setTimeout(() => {
    if (child.connected) child.disconnect();
  }, Math.min(CLOSE_WINDOW_MS, deadlineMs));
  // The only deadline a stuck child cannot ignore.
  const killTimer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
  child.once('exit', () => {
    clearTimeout(windowTimer);
    clearTimeout(killTimer);
  });
}

/** One rolling pass: replace every serving child, one at a time. */
async function rollingPass(): Promise<boolean> {
  const old = [...serving];
  // WORKERS new children, even if one crashed since the last reload.
  for (let i = 0; i < WORKERS; i++) {
    const fresh = startChild();
    const ready = await waitReady(fresh, READY_TIMEOUT_MS);
    if (shuttingDown) return false;
    if (!ready) {
      // Unlike PM2, which removes the old process anyway once
      // listen_timeout runs out, we stop here: the old children keep
      // serving, and the next SIGHUP tries again.
      console.error(`[primary] child ${fresh.pid} not ready within ${READY_TIMEOUT_MS} ms: killed, reload stopped, old children keep serving`);
      fresh.kill('SIGKILL');
      return false;
    }
    serving.push(fresh);
    if (old[i]) retire(old[i], DRAIN_MS);
  }
  return true;
}

let reloading = false;
let reloadAgain = false;

/**
 * A SIGHUP during a reload is queued: when the pass ends, another full
 * pass starts, so the children that end up serving were all started
 * after the last SIGHUP. Any number of SIGHUPs during one pass make one
 * more pass. Two passes never run at once.
 */
async function reload(): Promise<void> {
  if (reloading) {
    reloadAgain = true;
    return;
  }
  reloading = true;
  do {
    reloadAgain = false;
    const started = Date.now();
    const ok = await rollingPass();
    if (ok) console.log(`[primary] reloaded in ${Date.now() - started} ms: ${serving.map((c) => c.pid).join(', ')}`);
  } while (reloadAgain && !shuttingDown);
  reloading = false;
}

function shutdown(): void {
  if (shuttingDown) return;
  shuttingDown = true;
  // Whatever goes wrong below, the tree must be gone within 3 s.
  setTimeout(() => {
    for (const child of live) child.kill('SIGKILL');
    process.exit(1);
  }, STOP_MS + 500).unref();
  const exited = [...live].map((child) => new Promise((resolve) => child.once('exit', resolve)));
  for (const child of live) retire(child, STOP_MS);
  void Promise.all(exited).then(() => process.exit(0));
}

process.on('SIGHUP', () => {
  if (!shuttingDown) void reload();
});
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

// At start-up there is no old child to fall back on: the children serve
// as soon as they listen, and READY_TIMEOUT_MS does not apply.
serving = Array.from({ length: WORKERS }, () => startChild());
console.log(`[primary] pid ${process.pid}, http://${HOST}:${PORT}/, children ${serving.map((c) => c.pid).join(', ')}`);
