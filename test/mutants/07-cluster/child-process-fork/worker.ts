// Mutant of lab 07-cluster: a plain forked child that listens on the
// socket its primary sends it.
import http from 'node:http';
import type net from 'node:net';

type FromPrimary = { cmd: 'stats'; id: number; stats: unknown } | { cmd: 'listen' };

function tell(msg: object): void {
  if (process.connected) process.send!(msg);
}

const waiting = new Map<number, http.ServerResponse>();
let nextId = 1;

const server = http.createServer((req, res) => {
  res.setHeader('x-worker-pid', String(process.pid));
  if (req.url === '/stats') {
    const id = nextId++;
    waiting.set(id, res);
    tell({ cmd: 'getStats', id });
    return;
  }
  tell({ cmd: 'notifyRequest' });
  res.writeHead(200, { 'content-type': 'text/plain' }).end(`hello from ${process.pid}\n`);
});

process.on('message', (msg: FromPrimary, handle: unknown) => {
  if (msg?.cmd === 'listen' && handle) server.listen(handle as net.Server);
  if (msg?.cmd === 'stats') {
    const res = waiting.get(msg.id);
    waiting.delete(msg.id);
    res?.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(msg.stats));
  }
});
process.on('disconnect', () => process.exit(0));
