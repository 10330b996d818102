// Lab 01-ipc, MUTANT worker-threads: the "worker" is a thread.
//
// The code below runs in a worker_threads Worker inside the primary's
// process. It is plain JavaScript in a string because Node 20 does not
// run the tsx loader inside worker threads, so a .ts thread file would
// not load there.
export const THREAD_SOURCE = String.raw`
const { parentPort } = require('node:worker_threads');

function spin(ms) {
  const start = process.cpuUsage();
  for (;;) {
    const used = process.cpuUsage(start);
    if (used.user + used.system >= ms * 1000) return;
  }
}

parentPort.on('message', (msg) => {
  if (msg?.type !== 'work') return;
  setTimeout(() => {
    spin(msg.spin);
    parentPort.postMessage({ type: 'done', reqId: msg.reqId });
  }, msg.delay);
});
`;
