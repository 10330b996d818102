// Lab 02-proxy: one backend. main.ts starts WORKERS of these with
// fork(), each with its own port as its argument:
//
//   fork('backend.ts', ['3001'])   listens on HOST:3001
//
// This file is written for you and the checker relies on its routes:
// leave it as it is. It is an ordinary HTTP server that knows nothing
// about the proxy in front of it. You can also run it alone:
//
//   HOST=127.0.0.1 npx tsx backend.ts 3001
import { createHash } from 'node:crypto';
import http from 'node:http';

const PORT = Number(process.argv[2]);
const HOST = process.env.HOST ?? '127.0.0.1';

if (!Number.isInteger(PORT) || PORT <= 0) {
  console.error('usage: backend.ts <port>   (main.ts starts it with fork())');
  process.exit(1);
}

/** The bytes of GET /download: this 1 MiB block, repeated. xorshift32, seed 2463534242. */
const BLOCK = Buffer.alloc(1024 * 1024);
let x = 2463534242;
for (let i = 0; i < BLOCK.length; i++) {
  x ^= x << 13;
  x >>>= 0;
  x ^= x >>> 17;
  x ^= x << 5;
  x >>>= 0;
  BLOCK[i] = x & 0xff;
}

// What the checker reads from GET /stats: connections accepted since
// start, connections open now (and the most at once since the last
// /stats?reset=1), /slow requests still waiting, uploads in progress and
// upload bytes received so far, downloads waiting for /release.
let accepted = 0;
let open = 0;
let peakOpen = 0;
let slowWaiting = 0;
let uploadBytes = 0;
let uploading = 0;
/** Downloads that wait for GET /release to send their second half. */
let held: Array<() => void> = [];

const server = http.createServer((req, res) => {
  res.setHeader('x-worker-pid', String(process.pid));
  res.setHeader('x-backend-port', String(PORT));
  const url = new URL(req.url ?? '/', 'http://backend');
  const route = `${req.method} ${url.pathname}`;

  if (route === 'GET /') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`hello from backend ${process.pid} on port ${PORT}\n`);
    return;
  }

  if (route === 'GET /headers') {
    // The request as this backend received it, and an answer with
    // hop-by-hop headers of its own, for the proxy to drop.
    res.writeHead(200, {
      'content-type': 'application/json',
      connection: 'keep-alive, x-backend-hop',
      'x-backend-hop': 'for the proxy only',
      'keep-alive': 'timeout=5, max=77',
      'proxy-authenticate': 'Basic realm="backend"',
      upgrade: 'h2c',
      'x-backend-end-to-end': 'for the client',
    });
    res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, rawHeaders: req.rawHeaders }));
    return;
  }

  if (route === 'GET /slow') {
    // Work that takes ms milliseconds before the first byte of the answer.
    const ms = Math.min(Number(url.searchParams.get('ms') ?? 1000), 60_000);
    slowWaiting++;
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      slowWaiting--;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`slept ${ms} ms\n`);
    }, ms);
    res.on('close', () => {
      if (done) return;
      // The proxy gave up on this request: so do we.
      done = true;
      slowWaiting--;
      clearTimeout(timer);
    });
    return;
  }

  if (route === 'GET /reset') {
    // The connection is reset (RST) without a byte of answer.
    req.socket.resetAndDestroy();
    return;
  }

  if (route === 'POST /upload') {
    // Counts and hashes the body as it streams in; keeps none of it.
    // With ?hold=ms it reads nothing for that long, as a slow backend
    // would: whoever sends must wait meanwhile.
    const hold = Math.min(Number(url.searchParams.get('hold') ?? 0), 10_000);
    let bytes = 0;
    const hash = createHash('sha256');
    if (hold > 0) {
      req.pause();
      setTimeout(() => req.resume(), hold);
    }
    let firstByteAt = 0;
    uploading++;
    res.on('close', () => uploading--);
    req.on('data', (chunk: Buffer) => {
      firstByteAt ||= Date.now();
      uploadBytes += chunk.length;
      bytes += chunk.length;
      hash.update(chunk);
    });
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ bytes, sha256: hash.digest('hex'), firstByteAt }));
    });
    return;
  }

  if (route === 'GET /download') {
    // `bytes` bytes of BLOCK repeated, written as fast as the reader
    // takes them (write() returns false: wait for 'drain'). With
    // ?hold=1 it stops after the first MiB until GET /release.
    const total = Math.min(Number(url.searchParams.get('bytes') ?? BLOCK.length), 256 * 1024 * 1024);
    let hold = url.searchParams.get('hold') === '1';
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': total });
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        if (hold && sent >= BLOCK.length) {
          hold = false;
          held.push(pump);
          return;
        }
        const start = sent % BLOCK.length;
        const end = Math.min(BLOCK.length, start + 64 * 1024, start + (total - sent));
        sent += end - start;
        if (!res.write(BLOCK.subarray(start, end))) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
    return;
  }

  if (route === 'GET /release') {
    const waiting = held;
    held = [];
    for (const resume of waiting) resume();
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`released ${waiting.length}\n`);
    return;
  }

  if (route === 'GET /stats') {
    const stats = { pid: process.pid, port: PORT, accepted, open, peakOpen, slowWaiting, uploading, uploadBytes, held: held.length };
    if (url.searchParams.get('reset') === '1') peakOpen = open;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(stats));
    return;
  }

  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found\n');
});

server.on('connection', (socket) => {
  accepted++;
  open++;
  peakOpen = Math.max(peakOpen, open);
  socket.on('close', () => open--);
});

server.on('error', (err) => {
  console.error(`[backend ${process.pid}] ${err.message}`);
  process.exit(1);
});

server.listen(PORT, HOST, () => {
  console.log(`[backend ${process.pid}] http://${HOST}:${PORT}/`);
  // Tell main.ts that this backend takes connections now.
  process.send?.('listening');
});

// Started by main.ts with fork(): go when main.ts goes.
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
