// Lab 08-cluster-internals, reference solution: a cluster module of our
// own, built only on child_process and net.
//
// The primary side lives here: fork(), the 'exit' event, worker.send(),
// and the answer to a worker's listen(). The worker side (the listen()
// that asks the primary instead of binding) is worker-preload.ts, which
// fork() loads into every worker before the app's own code runs.
//
// In Node itself the same parts are lib/internal/cluster/primary.js,
// round_robin_handle.js and shared_handle.js.
import { fork as forkChild, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { getSystemErrorName } from 'node:util';
import { CMD, isInternal, keyOf, WORKER_ID_VAR, type ListenError, type Mode, type QueryServer, type Reply } from './protocol.js';

/** Read once, like core's scheduling policy: changing it later would split one port between two designs. */
const MODE = (process.env.MINI_CLUSTER_MODE ?? 'rr') as Mode;
if (MODE !== 'rr' && MODE !== 'shared') {
  throw new Error(`MINI_CLUSTER_MODE must be rr or shared, not "${String(MODE)}"`);
}

/** Loaded into every worker with --import: resolved next to this file, not from the cwd. */
const PRELOAD_URL = new URL('./worker-preload.ts', import.meta.url).href;

/** One worker as the primary sees it (core: cluster.Worker). */
export class Worker extends EventEmitter {
  constructor(
    readonly id: number,
    readonly process: ChildProcess,
  ) {
    super();
  }

  /** A message to the worker's process.on('message'). */
  send(message: unknown, callback?: (error: Error | null) => void): boolean {
    return this.process.send(message as object, callback);
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.process.kill(signal);
  }
}

type Settings = { exec: string; args: string[]; execArgv: string[] };

/** A listening socket and the workers that use it; rr and shared differ in how they serve them. */
interface ServerHandle {
  /** Serve one worker's queryServer: reply with success (and maybe the handle) or with the error. */
  add(worker: Worker, query: QueryServer): void;
  /** The worker is gone. True when no worker uses the handle any more. */
  remove(worker: Worker): boolean;
  close(): void;
}

function reply(worker: Worker, query: QueryServer, fields: Partial<Reply>, handle?: unknown): void {
  const message: Reply = { cmd: CMD, act: 'reply', seq: query.seq, mode: MODE, key: keyOf(query.host, query.port), ...fields };
  // A worker that died meanwhile: nothing to answer, and no reason to crash the primary.
  worker.process.send(message, handle as net.Socket | undefined, () => {});
}

function listenError(error: NodeJS.ErrnoException | number, query: QueryServer, syscall: string): ListenError {
  if (typeof error === 'number') {
    const code = getSystemErrorName(error);
    return { code, errno: error, syscall, message: `${syscall} ${code} ${query.host}:${query.port}` };
  }
  return { code: error.code ?? 'UNKNOWN', errno: error.errno ?? 0, syscall: error.syscall ?? syscall, message: error.message };
}

/**
rr: the primary listens, accepts every connection without reading it,
and hands the socket to the next worker in turn. The workers never hold
the listening socket.
*/
class RoundRobinHandle implements ServerHandle {
  private readonly workers: Worker[] = [];
  private next = 0;
  // pauseOnConnect: nothing is read here. Bytes read before the socket
  // reaches a worker would be lost (lab 04).
  private readonly server = net.createServer({ pauseOnConnect: true }, (socket) => this.distribute(socket));
  /** Settles once: listening, or the error. Every query for this key waits on it. */
  private readonly ready: Promise<{ sockname: Reply['sockname'] } | { error: NodeJS.ErrnoException }>;

  constructor(
    private readonly key: string,
    query: QueryServer,
    private readonly forget: () => void,
  ) {
    this.ready = new Promise((resolve) => {
      this.server.once('listening', () => resolve({ sockname: this.server.address() as Reply['sockname'] }));
      this.server.once('error', (error) => resolve({ error }));
    });
    this.server.listen({ host: query.host, port: query.port, backlog: query.backlog });
  }

  add(worker: Worker, query: QueryServer): void {
    void this.ready.then((state) => {
      if ('error' in state) {
        // Forget the key, so that a later listen() tries to bind again.
        this.forget();
        reply(worker, query, { error: listenError(state.error, query, 'listen') });
        return;
      }
      if (!worker.process.connected) return;
      this.workers.push(worker);
      reply(worker, query, { sockname: state.sockname });
    });
  }

  private distribute(socket: net.Socket): void {
    if (this.workers.length === 0) {
      socket.destroy();
      return;
    }
    const worker = this.workers[this.next++ % this.workers.length];
    worker.process.send({ cmd: CMD, act: 'newconn', key: this.key }, socket, (error) => {
      // The worker went away between accept and hand-over.
      if (error) socket.destroy();
    });
  }

  remove(worker: Worker): boolean {
    const index = this.workers.indexOf(worker);
    if (index >= 0) this.workers.splice(index, 1);
    return this.workers.length === 0;
  }

  close(): void {
    this.server.close();
  }
}

/**
shared: the primary creates the socket and binds it, but never listens
or accepts. Every worker gets a copy of it and calls listen() and
accept() itself; the kernel picks which worker gets a connection.
*/
class SharedHandle implements ServerHandle {
  private readonly workers = new Set<Worker>();
  private handle: { close(): void; getsockname(out: object): number } | undefined;
  private error: ListenError | undefined;

  constructor(
    query: QueryServer,
    private readonly forget: () => void,
  ) {
    // Semi-internal API, the one core's shared_handle.js uses: a TCP
    // handle bound to the address, not listening. A number is an errno.
    const create = (net as unknown as { _createServerHandle(address: string, port: number, addressType: number): unknown })._createServerHandle;
    const handle = create(query.host, query.port, net.isIPv6(query.host) ? 6 : 4);
    if (typeof handle === 'number') {
      this.error = listenError(handle, query, 'bind');
      return;
    }
    this.handle = handle as SharedHandle['handle'];
    // libuv keeps EADDRINUSE from bind() until listen() or getsockname().
    // Ask now: once the handle has travelled to a worker, the error is
    // lost, and the worker's listen() binds a random port instead.
    const sockname = {};
    const errno = this.handle!.getsockname(sockname);
    if (errno !== 0) {
      this.handle!.close();
      this.handle = undefined;
      this.error = listenError(errno, query, 'bind');
    }
  }

  add(worker: Worker, query: QueryServer): void {
    if (this.error || !this.handle) {
      this.forget();
      reply(worker, query, { error: this.error });
      return;
    }
    this.workers.add(worker);
    // The handle rides along with the reply. Node keeps the primary's
    // copy open (raw handles are not closed after sending), so the next
    // worker, or a replacement, gets the same socket.
    reply(worker, query, {}, this.handle);
  }

  remove(worker: Worker): boolean {
    this.workers.delete(worker);
    return this.workers.size === 0;
  }

  close(): void {
    this.handle?.close();
  }
}

class MiniCluster extends EventEmitter {
  /** No worker id in our environment: we are the primary. */
  readonly isPrimary = process.env[WORKER_ID_VAR] === undefined;
  readonly isWorker = !this.isPrimary;
  readonly mode: Mode = MODE;
  readonly workers = new Map<number, Worker>();
  private settings: Settings = { exec: process.argv[1], args: [], execArgv: process.execArgv };
  private nextId = 0;
  /** One listening socket per key (host:port). */
  private readonly handles = new Map<string, ServerHandle>();

  /** What fork() runs: exec is the workers' main file (core: cluster.setupPrimary). */
  setupPrimary(settings: Partial<Settings>): void {
    this.settings = { ...this.settings, ...settings };
  }

  fork(env: Record<string, string> = {}): Worker {
    if (!this.isPrimary) throw new Error('fork() is for the primary');
    const id = ++this.nextId;
    const child = forkChild(this.settings.exec, this.settings.args, {
      // The whole environment goes down (PORT, HOST, NODE_OPTIONS...),
      // with the caller's additions on top and our worker id last.
      env: { ...process.env, ...env, [WORKER_ID_VAR]: String(id) },
      // The preload comes after the primary's own flags (tsx's loader),
      // so that a .ts preload can be loaded at all.
      execArgv: [...this.settings.execArgv, '--import', PRELOAD_URL],
    });
    const worker = new Worker(id, child);
    this.workers.set(id, worker);

    child.on('message', (message: unknown, handle: unknown) => {
      if (!isInternal(message)) {
        worker.emit('message', message, handle);
        return;
      }
      if (message.act === 'queryServer') this.queryServer(worker, message);
    });
    // An unhandled 'error' (a send() to a worker that just died) would crash the primary.
    child.on('error', (error) => {
      if (worker.listenerCount('error') > 0) worker.emit('error', error);
    });
    child.once('exit', (code, signal) => {
      this.workers.delete(id);
      // No more connections for it. The last worker of a socket closes it (as core does).
      for (const [key, handle] of this.handles) {
        if (handle.remove(worker)) {
          handle.close();
          this.handles.delete(key);
        }
      }
      worker.emit('exit', code, signal);
      this.emit('exit', worker, code, signal);
    });
    this.emit('fork', worker);
    return worker;
  }

  /** A worker called listen(port, host): find or create the socket for that key and answer. */
  private queryServer(worker: Worker, query: QueryServer): void {
    const key = keyOf(query.host, query.port);
    let handle = this.handles.get(key);
    if (!handle) {
      // Forget a socket that could not be created, so that a later listen() tries again.
      const forget = () => {
        if (this.handles.get(key) === handle) this.handles.delete(key);
      };
      handle = MODE === 'rr' ? new RoundRobinHandle(key, query, forget) : new SharedHandle(query, forget);
      this.handles.set(key, handle);
    }
    handle.add(worker, query);
  }
}

const cluster = new MiniCluster();
export default cluster;
