// Lab 09-shared-state, reference solution: a worker, forked by main.ts.
//
// It serves HTTP and keeps no state of its own: every counter, value and
// rate limit lives in the primary. A route becomes one message to the
// primary, with an id chosen here, and the answer that comes back with
// the same id becomes the HTTP answer. If none comes within
// REPLY_TIMEOUT_MS, the client gets 503 instead of waiting for ever.
import cluster from 'node:cluster';
import http from 'node:http';

const PORT = Number(process.env.PORT ?? 3000);
const HOST = process.env.HOST ?? '127.0.0.1';
// The largest value PUT /kv accepts: 1 MiB.
const MAX_VALUE_BYTES = 1024 * 1024;
const REPLY_TIMEOUT_MS = 2000;

type Reply = { id: number; value?: number | Uint8Array; found?: boolean; allowed?: boolean };

if (!cluster.isWorker) {
  console.error('worker.ts runs in a worker forked by main.ts; run main.ts');
  process.exit(1);
}

// Requests waiting for the primary, by the id this worker gave them.
// Ids come from this counter, never from the client: two clients asking
// for the same key at once still get two ids.
const waiting = new Map<number, { resolve: (reply: Reply) => void; timer: NodeJS.Timeout }>();
let nextId = 1;

class NoReply extends Error {}

function ask(request: object): Promise<Reply> {
  return new Promise((resolve, reject) => {
    if (!process.connected) return reject(new NoReply('no channel to the primary'));
    const id = nextId++;
    const timer = setTimeout(() => {
      // Forget it: a reply that comes later finds no one and is dropped.
      waiting.delete(id);
      reject(new NoReply(`no reply within ${REPLY_TIMEOUT_MS} ms`));
    }, REPLY_TIMEOUT_MS);
    waiting.set(id, { resolve, timer });
    process.send!({ id, ...request });
  });
}

process.on('message', (reply: Reply) => {
  const entry = waiting.get(reply?.id);
  if (!entry) return;
  waiting.delete(reply.id);
  clearTimeout(entry.timer);
  entry.resolve(reply);
});

// The body, up to MAX_VALUE_BYTES; undefined once it is too large. It is
// counted as it arrives, so a huge body is refused at its first MiB and
// never reaches the primary.
function readBody(req: http.IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > MAX_VALUE_BYTES) return resolve(undefined);
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_VALUE_BYTES) {
        req.off('data', onData);
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, status: number, body?: string | Uint8Array, type = 'application/json'): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'content-type': type }).end(body);
}

async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const parts = url.pathname.split('/').slice(1).map(decodeURIComponent);
  const [kind, name, action] = parts;
  if (kind === 'counter' && name && parts.length === 3 && action === 'incr' && req.method === 'POST') {
    const by = url.searchParams.get('by') ?? '1';
    if (!/^-?\d+$/.test(by)) return send(res, 400, JSON.stringify({ error: 'by must be an integer' }));
    const reply = await ask({ op: 'incr', name, by: Number(by) });
    return send(res, 200, JSON.stringify({ value: reply.value }));
  }
  if (kind === 'counter' && name && parts.length === 2 && req.method === 'GET') {
    const reply = await ask({ op: 'count', name });
    return send(res, 200, JSON.stringify({ value: reply.value }));
  }
  if (kind === 'kv' && name && parts.length === 2 && req.method === 'PUT') {
    const ttl = url.searchParams.get('ttl');
    if (ttl !== null && !/^\d+$/.test(ttl)) return send(res, 400, JSON.stringify({ error: 'ttl must be a whole number of ms' }));
    const value = await readBody(req);
    if (value === undefined) {
      // The rest of the body is read and dropped by Node once we answer.
      return send(res, 413, JSON.stringify({ error: `values are at most ${MAX_VALUE_BYTES} bytes` }));
    }
    await ask({ op: 'put', key: name, value, ...(ttl === null ? {} : { ttl: Number(ttl) }) });
    return send(res, 204);
  }
  if (kind === 'kv' && name && parts.length === 2 && req.method === 'GET') {
    const reply = await ask({ op: 'get', key: name });
    if (!reply.found) return send(res, 404, JSON.stringify({ error: 'no such key' }));
    return send(res, 200, reply.value as Uint8Array, 'application/octet-stream');
  }
  if (kind === 'limit' && name && parts.length === 2 && req.method === 'POST') {
    const reply = await ask({ op: 'limit', client: name });
    return send(res, reply.allowed ? 200 : 429, JSON.stringify({ allowed: reply.allowed }));
  }
  send(res, 404, JSON.stringify({ error: 'not found' }));
}

const server = http.createServer((req, res) => {
  // Every answer names the worker that gave it, errors included.
  res.setHeader('x-worker-pid', String(process.pid));
  route(req, res).catch((err: unknown) => {
    if (res.headersSent) return res.destroy();
    if (err instanceof NoReply) send(res, 503, JSON.stringify({ error: `the store did not answer: ${err.message}` }));
    else send(res, 500, JSON.stringify({ error: String(err) }));
  });
});

server.listen(PORT, HOST, () => {
  console.log(`[worker ${process.pid}] cluster worker ${cluster.worker!.id} listening`);
});
