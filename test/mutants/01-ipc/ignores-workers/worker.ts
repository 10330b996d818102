// Lab 01-ipc, reference solution: a child, started by main.ts with fork().
//
// It has no server of its own. It waits for work on the IPC channel,
// does it, and reports back with the same reqId it was given.

type WorkMessage = { type: 'work'; reqId: number; delay: number; spin: number };
type DoneMessage = { type: 'done'; reqId: number };

// process.send only exists when there is an IPC channel, i.e. when this
// file was started by fork(). Run directly, it has nobody to talk to.
const send = process.send?.bind(process);
if (!send) {
  console.error('worker.ts is started by main.ts with fork(); run main.ts');
  process.exit(1);
}

/**
 * Busy-loop until this process has used `ms` milliseconds of CPU: a
 * stand-in for real work. It counts CPU time, not wall time, so the
 * work is the same however many other processes share the cores.
 */
function spin(ms: number): void {
  const start = process.cpuUsage();
  for (;;) {
    const used = process.cpuUsage(start);
    if (used.user + used.system >= ms * 1000) return;
  }
}

process.on('message', (msg: WorkMessage) => {
  if (msg?.type !== 'work') return;
  // Many jobs can wait side by side here; each timer remembers its own
  // reqId, so the order in which they finish does not matter.
  setTimeout(() => {
    spin(msg.spin);
    const done: DoneMessage = { type: 'done', reqId: msg.reqId };
    // If the primary died meanwhile, the channel is closed. With a
    // callback the error comes here instead of crashing the child as an
    // unhandled 'error' event.
    send(done, (err: Error | null) => {
      if (err) console.error(`[worker ${process.pid}] ${err.message}`);
    });
  }, msg.delay);
});

// The channel closes when the primary exits or disconnects us. Without
// this, a pending timer here (or the server or pool a real worker
// holds) would keep this process running as an orphan.
process.on('disconnect', () => process.exit(0));

// If the primary died while this file was still loading, 'disconnect'
// may already have fired before the listener above existed.
if (!process.connected) process.exit(0);
