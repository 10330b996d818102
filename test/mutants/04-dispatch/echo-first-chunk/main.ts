// Lab 04-dispatch, reference solution: the primary.
//
// The primary is the only process that listens. It accepts each
// connection without reading a byte of it (pauseOnConnect), picks a
// child by the STRATEGY in force, and hands the socket itself to that
// child over IPC. The child then speaks HTTP on it; the primary never
// sees a request.
import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const PORT = Number(process.env.PORT ?? 3000);
const HOST = process.env.HOST ?? '127.0.0.1';
const WORKERS = Number(process.env.WORKERS ?? 2);
const STRATEGY = process.env.STRATEGY ?? 'round-robin';
const PRIORITY_PREFIX = process.env.PRIORITY_PREFIX ?? '127.0.9.';

const WORKER_FILE = fileURLToPath(new URL('./worker.ts', import.meta.url));
const STRATEGIES = ['round-robin', 'ip-hash', 'priority'];

if (!STRATEGIES.includes(STRATEGY)) {
  console.error(`[primary] unknown STRATEGY "${STRATEGY}": use one of ${STRATEGIES.join(', ')}`);
  process.exit(1);
}
if (!Number.isInteger(WORKERS) || WORKERS < 1 || (STRATEGY === 'priority' && WORKERS < 2)) {
  console.error(`[primary] WORKERS=${process.env.WORKERS} does not work with STRATEGY=${STRATEGY}`);
  process.exit(1);
}

// One slot per child. A slot keeps its number when its child is
// replaced, so "slot 0 is the special child" and "this address hashes
// to slot 2" stay true across a restart of that child.
const slots: Array<ChildProcess | undefined> = new Array(WORKERS).fill(undefined);
let shuttingDown = false;
let turn = 0;

function startChild(slot: number): void {
  // Under the priority strategy, slot 0 serves the priority clients
  // (the seed's "special" child) and every other slot the rest.
  const role = STRATEGY === 'priority' && slot === 0 ? 'special' : 'normal';
  const child = fork(WORKER_FILE, [role]);
  slots[slot] = child;

  child.on('error', (err) => {
    console.error(`[primary] child ${child.pid}: ${err.message}`);
  });
  child.on('exit', (code, signal) => {
    if (slots[slot] === child) slots[slot] = undefined;
    if (shuttingDown) return;
    console.error(`[primary] child ${child.pid} died (${signal ?? `code ${code}`}), forking another`);
    startChild(slot);
  });
}

function live(child: ChildProcess | undefined): child is ChildProcess {
  return child !== undefined && child.connected;
}

/** Round-robin over the given slots: the next live child in turn. */
function nextOf(candidates: number[]): ChildProcess | undefined {
  for (let tried = 0; tried < candidates.length; tried++) {
    const child = slots[candidates[turn++ % candidates.length]];
    if (live(child)) return child;
  }
  return undefined;
}

/** FNV-1a, 32 bits: cheap, and every character of the address counts. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const allSlots = slots.map((_, slot) => slot);
const normalSlots = allSlots.slice(1);

function pick(socket: net.Socket): ChildProcess | undefined {
  if (STRATEGY === 'round-robin') return nextOf(allSlots);
  // A connection that was reset before we got to it has no peer
  // address any more (getpeername fails): nobody is left to answer.
  const address = socket.remoteAddress;
  if (address === undefined) return undefined;
  if (STRATEGY === 'ip-hash') {
    // Same address, same slot. If that child is down for a moment,
    // probe the following slots so the answer is still deterministic.
    const start = hash(address) % WORKERS;
    for (let i = 0; i < WORKERS; i++) {
      const child = slots[(start + i) % WORKERS];
      if (live(child)) return child;
    }
    return undefined;
  }
  // priority
  if (address.startsWith(PRIORITY_PREFIX)) {
    return live(slots[0]) ? slots[0] : undefined;
  }
  return nextOf(normalSlots);
}

// pauseOnConnect: accept the connection but never read from it here.
// Whatever the client has already sent stays in the kernel's buffer
// and is read by the child that gets the socket.
const server = net.createServer({ pauseOnConnect: true }, (socket) => {
  const child = shuttingDown ? undefined : pick(socket);
  if (!child) {
    socket.destroy();
    return;
  }
  // keepOpen is false (the default): once the child acknowledges the
  // handle, Node closes the primary's copy, so no fd stays behind here.
  child.send('socket', socket, (err) => {
    if (err) socket.destroy();
  });
});

server.on('error', (err) => {
  console.error(`[primary] ${err.message}`);
  process.exit(1);
});

function shutdown(): void {
  if (shuttingDown) return;
  shuttingDown = true;
  // Whatever happens below, the tree must be gone within 3 s.
  setTimeout(() => {
    for (const child of slots) child?.kill('SIGKILL');
    process.exit(1);
  }, 2000).unref();
  // No new connections. (server.close()'s callback would wait for the
  // children to close every socket they got: don't wait for it.)
  server.close();
  const children = slots.filter((child) => child !== undefined);
  let left = children.length;
  if (left === 0) process.exit(0);
  for (const child of children) {
    child.once('exit', () => {
      if (--left === 0) process.exit(0);
    });
    child.kill('SIGTERM');
  }
}

process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

for (let slot = 0; slot < WORKERS; slot++) startChild(slot);

// Only the primary binds the port, so only the primary needs the
// privileges to do so (ports below 1024 need root).
server.listen(PORT, HOST, () => {
  console.log(`[primary] pid ${process.pid}, ${STRATEGY}, ${WORKERS} children, http://${HOST}:${PORT}/`);
});
