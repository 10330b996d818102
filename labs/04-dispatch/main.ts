// Lab 04-dispatch: the primary.
//
// Right now this program does everything in one process: it accepts
// each connection and serves it itself, with its own pid in
// x-worker-pid. It runs, but the checker stops it at step 3, children.
//
// Your job: fork WORKERS children running worker.ts, accept every
// connection here WITHOUT reading from it, and hand the socket itself
// to a child chosen by STRATEGY. The children speak HTTP; the primary
// never sees a request. Work through the TODOs from top to bottom.
//
//   npx node-cluster-lab verify 04-dispatch   runs the checker
//   npx node-cluster-lab hint 04-dispatch     when you are stuck
import http from 'node:http';
import net from 'node:net';
// TODO: import fork (and the ChildProcess type) from 'node:child_process',
// and fileURLToPath from 'node:url'.

const PORT = Number(process.env.PORT ?? 3000);
const HOST = process.env.HOST ?? '127.0.0.1';
// TODO: read three more settings from process.env, with defaults:
//   WORKERS          how many children (default 2; the checker uses 3)
//   STRATEGY         'round-robin' (the default), 'ip-hash' or 'priority'
//   PRIORITY_PREFIX  addresses that go to the special child ('127.0.9.')

// TODO: the path of worker.ts, to hand to fork():
//   fileURLToPath(new URL('./worker.ts', import.meta.url))

// TODO: write startChild(). It forks worker.ts, remembers the child
// (an array of slots, one per child, is handy: under STRATEGY=priority
// slot 0 can be the special child), and listens to two events:
//   'error'  log it; without a listener it would crash the primary
//   'exit'   forget the child; fork a replacement in the same slot,
//            unless the primary is shutting down

// TODO: write pick(socket), which returns the child for a connection:
//   round-robin  the next child in turn: children[turn++ % n]
//   ip-hash      the same child for the same socket.remoteAddress:
//                hash the address to a number, then % n
//   priority     remoteAddress.startsWith(PRIORITY_PREFIX): the special
//                child; anyone else: round-robin over the other children
// A connection the client has already reset has no remoteAddress
// (undefined). Check before you use it.

// TODO: delete this server. It is the primary answering requests
// itself, which is exactly what the checker does not want.
const here = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'x-worker-pid': String(process.pid) });
  res.end(`hello from ${process.pid}\n`);
});

// TODO: create this server with { pauseOnConnect: true }. Without it the
// primary starts reading each connection the moment it accepts it, and
// whatever it reads before the hand-over is lost.
const server = net.createServer((socket) => {
  // TODO: instead of serving the connection here:
  //   1. const child = pick(socket); no child? socket.destroy()
  //   2. child.send('socket', socket, (err) => { ... })
  //      where the callback destroys the socket if it gets an error
  here.emit('connection', socket);
});

process.on('SIGTERM', () => {
  // TODO: stop replacing children, close the server, kill every child
  // (child.kill('SIGTERM')), then exit. The whole tree must be gone
  // within 3 s. server.close()'s callback waits for the children to
  // close the sockets they got: don't wait for it.
  process.exit(0);
});

// TODO: fork WORKERS children here, one startChild() call each.

server.listen(PORT, HOST, () => {
  console.log(`[primary] pid ${process.pid}, http://${HOST}:${PORT}/`);
});
