// Lab 03-shared-handle: the primary.
//
// Right now this program serves HTTP all by itself, in one process. It
// runs, but the checker stops it at step 3, children.
//
// Your job: open the listening socket here, hand it to WORKERS children
// running worker.ts, and let them accept the connections themselves.
// Then the primary steps aside: it must not accept a single connection.
// Work through the TODOs from top to bottom, then those in worker.ts.
//
//   npx node-cluster-lab verify 03-shared-handle   runs the checker
//   npx node-cluster-lab hint 03-shared-handle     when you are stuck
import http from 'node:http';
// TODO: import fork (and the ChildProcess type) from 'node:child_process',
// net from 'node:net', and fileURLToPath from 'node:url'.

const PORT = Number(process.env.PORT ?? 3000);
const HOST = process.env.HOST ?? '127.0.0.1';
// TODO: read how many children to fork from process.env.WORKERS
// (a string, or undefined: default to 2). The checker uses 3.

// TODO: the path of worker.ts, to hand to fork():
//   fileURLToPath(new URL('./worker.ts', import.meta.url))

// TODO: delete this HTTP server once the children serve. It only makes
// the program run from the start; the checker wants a primary that
// serves nothing. The children have the same handler in worker.ts.
const server = http.createServer((req, res) => {
  res.setHeader('x-worker-pid', String(process.pid));
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(`hello from ${process.pid}\n`);
});

// TODO: in its place, a plain net.createServer(). It never gets a
// connection handler, because the primary never serves: it exists to
// open the socket and to be sent.

// TODO: write startChild(). It forks worker.ts, keeps the child in a
// list, and listens to three of its events:
//   'message'  the child sends 'ready' once it can receive the socket.
//              Count them; when all WORKERS are ready, listenAndShare().
//   'error'    log it; without a listener it would crash the primary
//   'exit'     log it and take the child off the list. The others keep
//              serving on their copies of the socket.

// TODO: write listenAndShare(). server.listen(PORT, HOST, callback), and
// in the callback (not before: a server that is not listening yet has no
// socket, and send() would quietly deliver the message alone):
//   1. child.send('server', server, callback) to every child
//   2. once every send callback has run, server.close(). The children's
//      copies keep the socket open; the primary's copy must go, or its
//      idle event loop wins connections that nobody answers.
// Replace the listen() below with it.
server.listen(PORT, HOST, () => {
  console.log(`[primary] pid ${process.pid}, http://${HOST}:${PORT}/`);
});

process.on('SIGTERM', () => {
  // TODO: kill every child (child.kill() sends SIGTERM), then exit. The
  // whole tree must be gone within 3 s.
  process.exit(0);
});

// TODO: fork WORKERS children here, one startChild() call each. They
// listen only once all of them have said 'ready'.
