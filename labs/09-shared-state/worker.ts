// Lab 09-shared-state: a worker, forked by main.ts.
//
// The routes work, but the store is a Map in this process: every worker
// has its own heap, so each worker has its own copy of every counter,
// value and limit. A value put through one worker is missing in the
// others, and the limiter allows LIMIT per worker.
//
// Your job: keep no state here. Turn each operation into one message to
// the primary, { id, op, ... }, with an id from a counter of this
// worker, and answer the HTTP request with the reply that carries the
// same id; answer 503 if no reply comes within 2 s.
import cluster from 'node:cluster';
import http from 'node:http';

const PORT = Number(process.env.PORT ?? 3000);
const HOST = process.env.HOST ?? '127.0.0.1';
// The largest value PUT /kv accepts: 1 MiB.
const MAX_VALUE_BYTES = 1024 * 1024;

type Reply = { value?: number | Uint8Array; found?: boolean; allowed?: boolean };

if (!cluster.isWorker) {
  console.error('worker.ts runs in a worker forked by main.ts; run main.ts');
  process.exit(1);
}

// TODO: delete this local store; it belongs to the primary.
const counters = new Map<string, number>();
const values = new Map<string, Uint8Array>();
const allowed = new Map<string, number>();

// Answers a request from the local store. TODO: replace the body with a
// message to the primary: const id = nextId++; keep { resolve, timer }
// in a Map under id; process.send!({ id, ...request }); the timer
// (2000 ms) deletes the entry and rejects, so that the route answers 503.
// process.on('message') finds the entry by reply.id, clears its timer
// and resolves it. A reply whose id is unknown (it came too late) is
// dropped.
async function ask(request: { op: string; [field: string]: any }): Promise<Reply> {
  switch (request.op) {
    case 'incr': {
      const value = (counters.get(request.name) ?? 0) + request.by;
      counters.set(request.name, value);
      return { value };
    }
    case 'count':
      return { value: counters.get(request.name) ?? 0 };
    case 'put':
      // TODO (in the primary): request.ttl, in ms, when the query has one.
      values.set(request.key, request.value);
      return {};
    case 'get':
      return values.has(request.key) ? { found: true, value: values.get(request.key) } : { found: false };
    default: {
      // TODO (in the primary): LIMIT per client per sliding WINDOW_MS.
      const count = (allowed.get(request.client) ?? 0) + 1;
      allowed.set(request.client, count);
      return { allowed: count <= 10 };
    }
  }
}

// The body as bytes. TODO: count the bytes as they arrive and resolve
// undefined (the route answers 413) as soon as there are more than
// MAX_VALUE_BYTES: do not wait for the end of a body that may never end.
function readBody(req: http.IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
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
    if (value === undefined) return send(res, 413, JSON.stringify({ error: `values are at most ${MAX_VALUE_BYTES} bytes` }));
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
    // TODO: a request the primary did not answer in time is a 503.
    send(res, 500, JSON.stringify({ error: String(err) }));
  });
});

server.listen(PORT, HOST, () => {
  console.log(`[worker ${process.pid}] cluster worker ${cluster.worker!.id} listening`);
});
