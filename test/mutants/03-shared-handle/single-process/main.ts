// Mutant: one process that pretends to be several. It serves every
// request itself and writes a made-up "child" pid into x-worker-pid, in
// turn, so the answers look spread over WORKERS processes.
import http from 'node:http';

const PORT = Number(process.env.PORT ?? 3000);
const HOST = process.env.HOST ?? '127.0.0.1';
const WORKERS = Number(process.env.WORKERS ?? 2);

const fakePids = Array.from({ length: WORKERS }, (_, i) => process.pid + 1 + i);
let turn = 0;

const server = http.createServer((req, res) => {
  res.setHeader('x-worker-pid', String(fakePids[turn++ % fakePids.length]));
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('hello\n');
});

server.listen(PORT, HOST, () => {
  console.log(`[primary] pid ${process.pid}, http://${HOST}:${PORT}/`);
});

process.on('SIGTERM', () => process.exit(0));
