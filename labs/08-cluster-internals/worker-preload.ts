// Lab 08-cluster-internals: the worker side. Start here.
//
// mini-cluster.ts's fork() loads this file into every worker with
// --import, so it runs before the app's first line. It changes one
// thing: net.Server.prototype.listen. A listen(port, host) no longer
// binds anything here; it asks the primary, which owns the port. This
// is what core does in net.js's listenInCluster() and in
// lib/internal/cluster/child.js.
//
// Given: ask() (a question to the primary, and its answer), the
// message listener, wantedPort(). Yours: the TODOs. Begin with the one
// in listen(), at the bottom; onConnection() is for rr mode.
//
// The checker sees a worker that binds the port itself at once (step
// rr-listen): that is what this file does until listen() is done.
import net from 'node:net';
import { CMD, isInternal, type NewConn, type QueryServer, type Reply } from './protocol.js';

if (!process.send) {
  throw new Error('worker-preload.ts runs only in a worker started by mini-cluster.ts fork()');
}
const send = process.send.bind(process);

/** Questions sent to the primary and not answered yet, by seq. */
const pending = new Map<number, (reply: Reply, handle: unknown) => void>();
let seq = 0;

/** rr: the servers that listen through the primary, by key, to give each 'newconn' to. */
const servers = new Map<string, net.Server>();

/**
Send a question; onReply runs with the answer, inside the 'message'
event that brings it. A callback, not a promise, on purpose: a promise
would run its .then() only after every message already delivered in
the same batch, and a 'newconn' right behind the reply would find no
server for its key yet. (Core's cluster/child.js uses callbacks too.)
*/
function ask(question: Omit<QueryServer, 'cmd' | 'seq'>, onReply: (reply: Reply, handle: unknown) => void): void {
  const message: QueryServer = { cmd: CMD, seq: ++seq, ...question };
  pending.set(message.seq, onReply);
  send(message);
}

// This listener keeps the IPC channel referenced, and so keeps the
// worker alive in rr mode, where it holds no listening socket of its
// own. (Core keeps a timer in its fake handle for the same reason.)
process.on('message', (message: unknown, handle: unknown) => {
  if (!isInternal(message)) return; // the app's own messages
  if (message.act === 'reply') {
    const answer = pending.get(message.seq);
    pending.delete(message.seq);
    answer?.(message, handle);
  } else if (message.act === 'newconn') {
    onConnection(message, handle as net.Socket | undefined);
  }
});

// The primary is gone: so are we. Without this, a worker holding a
// shared listening socket would keep serving as an orphan.
process.on('disconnect', () => process.exit(0));

/** rr: a connection the primary accepted for one of our servers. */
function onConnection(message: NewConn, socket: net.Socket | undefined): void {
  // TODO: (rr) give the socket to the server that listens on
  // message.key: servers.get(message.key)!.emit('connection', socket),
  // which is what a listening server does for each connection it
  // accepts. The socket is undefined when the connection closed on its
  // way here: return. No server for that key? socket.destroy().
  socket?.destroy();
  void message;
}

type Wanted = { port: number; host: string; backlog?: number; callback?: () => void };

/**
The listen() forms this preload sends to the primary: a TCP port, with
or without a host. Anything else (a handle, a path, an fd, exclusive or
reusePort) is undefined, and listens here as usual: core treats those
as "exclusive" too.
*/
function wantedPort(args: unknown[]): Wanted | undefined {
  const callback = typeof args.at(-1) === 'function' ? (args.pop() as () => void) : undefined;
  let options: { port?: unknown; host?: unknown; backlog?: unknown; exclusive?: unknown; reusePort?: unknown; path?: unknown; fd?: unknown; handle?: unknown };
  if (typeof args[0] === 'number' || (typeof args[0] === 'string' && /^\d+$/.test(args[0]))) {
    options = { port: Number(args[0]), host: typeof args[1] === 'string' ? args[1] : undefined, backlog: typeof args[1] === 'number' ? args[1] : args[2] };
  } else if (typeof args[0] === 'object' && args[0] !== null && 'port' in args[0]) {
    options = args[0] as typeof options;
  } else {
    return undefined;
  }
  if (options.exclusive || options.reusePort || options.path !== undefined || options.fd !== undefined || options.handle !== undefined) return undefined;
  return {
    port: Number(options.port ?? 0),
    // Not '::' as Node would: this lab binds loopback only.
    host: typeof options.host === 'string' ? options.host : '127.0.0.1',
    backlog: typeof options.backlog === 'number' ? options.backlog : undefined,
    callback,
  };
}

const originalListen = net.Server.prototype.listen;

net.Server.prototype.listen = function listen(this: net.Server, ...args: unknown[]) {
  const wanted = wantedPort([...args]);
  if (!wanted) return originalListen.apply(this, args as Parameters<typeof originalListen>);

  // TODO: (listen) this binds the port in the worker, as if there were
  // no cluster. The first worker gets it, the next ones die with
  // EADDRINUSE. Instead:
  //   1. if (wanted.callback) this.once('listening', wanted.callback)
  //      (listen()'s callback is a 'listening' listener);
  //   2. ask the primary: ask({ act: 'queryServer', host: wanted.host,
  //      port: wanted.port, backlog: wanted.backlog }, (reply, handle) => ...);
  //   3. return this, at once, as listen() does.
  // In the callback:
  //   TODO: (error path) reply.error set? Emit it on the server, as an
  //   Error with its code, errno and syscall (Object.assign(new
  //   Error(reply.error.message), { ...fields })). Never throw it: the
  //   app decides what a failed listen means.
  //   TODO: (shared) reply.mode === 'shared': the primary's socket came
  //   as `handle`. Call the original listen on it:
  //   (originalListen as (handle: unknown, backlog?: number) => net.Server).call(this, handle, wanted.backlog)
  //   TODO: (rr) otherwise nothing listens here. Remember the server
  //   (servers.set(reply.key, this)) for the 'newconn' messages, make
  //   this.address = () => reply.sockname ?? null, and emit 'listening'.
  void ask;
  return originalListen.apply(this, args as Parameters<typeof originalListen>);
} as typeof net.Server.prototype.listen;
