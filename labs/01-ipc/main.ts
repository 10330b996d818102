// Lab 01-ipc: the primary.
//
// Right now this program does everything in one process: it answers
// /work itself and puts its own pid in x-worker-pid. It runs, but the
// checker stops it at step 3, child-processes.
//
// Your job: fork WORKERS children running worker.ts, send each request
// to one of them over IPC, and answer when that child replies. Work
// through the TODOs from top to bottom. The HTTP plumbing (routing,
// query parsing, JSON answers) is done for you.
//
//   npx node-cluster-lab verify 01-ipc   runs the checker
//   npx node-cluster-lab hint 01-ipc     when you are stuck
import http from 'node:http';
// TODO: import fork (and the ChildProcess type) from 'node:child_process',
// and fileURLToPath from 'node:url'.

const PORT = Number(process.env.PORT ?? 3000);
const HOST = process.env.HOST ?? '127.0.0.1';
// TODO: read how many children to fork from process.env.WORKERS
// (a string, or undefined: default to 2). The checker uses 3.
const MAX_MS = 10_000;

// TODO: the path of worker.ts, to hand to fork():
//   fileURLToPath(new URL('./worker.ts', import.meta.url))
// fork() passes the tsx loader on to the child, so a .ts file works.

// The messages that cross the IPC channel. worker.ts has the same two.
type WorkMessage = { type: 'work'; reqId: number; delay: number; spin: number };
type DoneMessage = { type: 'done'; reqId: number };

// TODO: a Map of requests waiting for a child's reply, keyed by a
// request id the primary makes up (a counter: 1, 2, 3...). Keep what
// you need to answer later: the client's id, the ServerResponse, and
// the child that has the work.

// Requests completed, per pid; GET /stats sends it as JSON.
const served = new Map<number, number>();

function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** A query value in ms: missing or nonsense means 0, capped at 10 s. */
function clampMs(value: string | null): number {
  const ms = Number(value ?? 0);
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, MAX_MS) : 0;
}

// TODO: write startChild(). It forks worker.ts, adds the child to a
// list, and listens to three of its events:
//   'message'  a DoneMessage: find the waiting request by reqId (not
//              by order!), count it in `served` under child.pid, and
//              answer 200 with { id, pid } and x-worker-pid: child.pid
//   'exit'     answer 503 to every request this child still held,
//              take it off the list, fork a replacement (unless the
//              primary is shutting down)
//   'error'    log it; without a listener it would crash the primary

// TODO: delete this once the children do the work. It waits `delay`
// ms, then keeps the CPU busy for `spin` ms: right here, in the
// primary, which is exactly what the checker does not want.
function workHere(delay: number, spin: number, done: () => void): void {
  setTimeout(() => {
    const start = process.cpuUsage();
    for (;;) {
      const used = process.cpuUsage(start);
      if (used.user + used.system >= spin * 1000) break;
    }
    done();
  }, delay);
}

function handleWork(url: URL, res: http.ServerResponse): void {
  const id = url.searchParams.get('id') ?? '';
  const delay = clampMs(url.searchParams.get('delay'));
  const spin = clampMs(url.searchParams.get('spin'));

  // TODO: replace the block below. Instead:
  //   1. pick a child, round-robin (no child left? answer 503)
  //   2. give the request a new reqId and store it in the Map
  //   3. child.send({ type: 'work', reqId, delay, spin }, callback)
  //      where the callback answers 503 if it is given an error
  // The answer is sent later, from the child's 'message' event.
  workHere(delay, spin, () => {
    const pid = process.pid;
    served.set(pid, (served.get(pid) ?? 0) + 1);
    sendJson(res, 200, { id, pid }, { 'x-worker-pid': String(pid) });
  });
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/work') {
    handleWork(url, res);
  } else if (url.pathname === '/stats') {
    sendJson(res, 200, Object.fromEntries(served));
  } else {
    sendJson(res, 404, { error: 'not found' });
  }
});

process.on('SIGTERM', () => {
  // TODO: stop forking replacements, kill every child
  // (child.kill('SIGTERM')), close the server, then exit. The whole
  // tree must be gone within 3 s.
  process.exit(0);
});

// TODO: fork WORKERS children here, one startChild() call each.

server.listen(PORT, HOST, () => {
  console.log(`[primary] pid ${process.pid}, http://${HOST}:${PORT}/`);
});
