// Mutant of lab 07-cluster: a worker that serves nothing. The primary
// answers every request and names this process in x-worker-pid.
import cluster from 'node:cluster';

if (!cluster.isWorker) {
  console.error('worker.ts runs in a worker forked by main.ts; run main.ts');
  process.exit(1);
}

// A 'message' listener keeps the IPC channel, and so this process, alive.
process.on('message', () => {});
