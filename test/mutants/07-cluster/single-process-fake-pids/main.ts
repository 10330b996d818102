// Mutant of lab 07-cluster: no workers at all. One process serves every
// request and writes made-up pids into x-worker-pid, so that answers look
// as if three workers took turns.
import http from 'node:http';

const PORT = Number(process.env.PORT ?? 3000);
const HOST = process.env.HOST ?? '127.0.0.1';
const WORKERS = Number(process.env.WORKERS ?? 2);

const fakePids = Array.from({ length: WORKERS }, (_, i) => process.pid + 1 + i);
const served = new Map<number, number>();
let turn = 0;

http
  .createServer((req, res) => {
    const pid = fakePids[turn++ % fakePids.length]!;
    res.setHeader('x-worker-pid', String(pid));
    if (req.url === '/stats') {
      const workers: Record<string, number> = {};
      let total = 0;
      for (const [p, n] of served) {
        workers[String(p)] = n;
        total += n;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ total, workers }));
      return;
    }
    served.set(pid, (served.get(pid) ?? 0) + 1);
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`hello from ${pid}\n`);
  })
  .listen(PORT, HOST);
