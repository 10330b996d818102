// Lab 01-ipc: a child. main.ts starts this file with fork().
//
// The child has no server of its own. It waits for work messages on
// the IPC channel, does the work, and replies to the primary.

// The messages that cross the IPC channel. main.ts has the same two.
type WorkMessage = { type: 'work'; reqId: number; delay: number; spin: number };
type DoneMessage = { type: 'done'; reqId: number };

/**
 * Busy-loop until this process has used `ms` milliseconds of CPU: a
 * stand-in for real work. It counts CPU time, not wall time, so the
 * work is the same however many processes share the cores. The checker
 * reads each process's CPU time in /proc to see where it ran.
 */
function spin(ms: number): void {
  const start = process.cpuUsage();
  for (;;) {
    const used = process.cpuUsage(start);
    if (used.user + used.system >= ms * 1000) return;
  }
}

// TODO: listen for work: process.on('message', (msg: WorkMessage) => ...)
// For each message of type 'work':
//   1. wait msg.delay ms with setTimeout (other work may arrive meanwhile)
//   2. spin(msg.spin)
//   3. reply with process.send!(reply, callback), where reply is a
//      DoneMessage carrying the same reqId. The callback receives an
//      error if the primary is gone; log it rather than crash.
// Until this listener exists, nothing keeps the child alive: a forked
// child with nothing to wait for simply exits.

// TODO: exit when the IPC channel closes:
//   process.on('disconnect', () => process.exit(0));
// That happens when the primary exits. Without it, anything still
// pending here (a timer, later a server) keeps this child running as
// an orphan.
