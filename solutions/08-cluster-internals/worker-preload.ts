// Lab 08-cluster-internals, reference solution: the worker side.
//
// mini-cluster.ts's fork() loads this file into every worker with
// --import, so it runs before the app's first line. It changes one
// thing: net.Server.prototype.listen. A listen(port, host) no longer
// binds anything here; it asks the primary, which owns the port. This
// is what core does in net.js's listenInCluster() and in
// lib/internal/cluster/child.js.
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
  // undefined: the connection closed on its way here.
  if (!socket) return;
  const server = servers.get(message.key);
  if (!server) {
    socket.destroy();
    return;
  }
  // What a listening server does for every connection it accepts.
  server.emit('connection', socket);
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
  // listen()'s callback is a 'listening' listener, as in net.
  if (wanted.callback) this.once('listening', wanted.callback);

  ask({ act: 'queryServer', host: wanted.host, port: wanted.port, backlog: wanted.backlog }, (reply, handle) => {
    if (reply.error) {
      // The error path: the app sees an 'error' event, as if its own
      // bind had failed, and decides what to do. Throwing here would
      // kill the worker for a port the app may not even need.
      const { code, errno, syscall, message } = reply.error;
      this.emit('error', Object.assign(new Error(message), { code, errno, syscall, address: wanted.host, port: wanted.port }));
      return;
    }
    if (reply.mode === 'shared') {
      // The primary's bound socket: listen on it here. From now on
      // this worker accepts connections itself.
      (originalListen as (handle: unknown, backlog?: number) => net.Server).call(this, handle, wanted.backlog);
      return;
    }
    // rr: nothing to listen on here. Connections arrive as 'newconn'
    // messages; the server only has to look like it listens.
    servers.set(reply.key, this);
    this.address = () => reply.sockname ?? null;
    this.emit('listening');
  });
  return this;
} as typeof net.Server.prototype.listen;
