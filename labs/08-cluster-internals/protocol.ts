// Lab 08-cluster-internals: the messages of the mini cluster. Given,
// complete: both sides import it, so they cannot disagree on a name.
//
// Node's own cluster wraps its messages as { cmd: 'NODE_CLUSTER', act,
// seq, ... }. A cmd that starts with NODE_ is reserved: Node delivers
// such messages to an internal event and never to 'message', so user
// code cannot see (or send) them. This lab uses the same envelope with
// a cmd of its own, MINI_CLUSTER. It travels as an ordinary message,
// which also means the app's own process.on('message') listeners would
// see it: ignore anything isInternal() says is ours.

export const CMD = 'MINI_CLUSTER';

/** rr: the primary accepts and hands out connections. shared: every worker accepts on one socket. */
export type Mode = 'rr' | 'shared';

/** A worker's listen(port, host) as a question to the primary (core: act 'queryServer'). */
export type QueryServer = {
  cmd: typeof CMD;
  act: 'queryServer';
  /** Matches the reply to the question: a worker may ask for several ports at once. */
  seq: number;
  host: string;
  port: number;
  backlog?: number;
};

/** What went wrong creating the listening socket, in the fields a Node error has. */
export type ListenError = {
  code: string;
  errno: number;
  syscall: string;
  message: string;
};

/**
The primary's answer. In shared mode a successful reply carries the
listening socket itself, as the message's handle; in rr mode it carries
none and connections follow, one 'newconn' message each.
*/
export type Reply = {
  cmd: typeof CMD;
  act: 'reply';
  seq: number;
  mode: Mode;
  /** host:port: names the server in later 'newconn' messages. */
  key: string;
  /** Where the primary's socket really listens (the port matters after listen(0)). */
  sockname?: { address: string; family: string; port: number };
  error?: ListenError;
};

/** rr only: one accepted connection, sent with the socket as the handle. */
export type NewConn = {
  cmd: typeof CMD;
  act: 'newconn';
  key: string;
};

export type Internal = QueryServer | Reply | NewConn;

export function isInternal(message: unknown): message is Internal {
  return typeof message === 'object' && message !== null && (message as { cmd?: unknown }).cmd === CMD;
}

/** One listening socket per address and port, however many workers ask for it. */
export function keyOf(host: string, port: number): string {
  return `${host}:${port}`;
}

/** The variable that tells the primary (main.ts) from a worker. Not NODE_UNIQUE_ID: that one is node:cluster's. */
export const WORKER_ID_VAR = 'MINI_CLUSTER_WORKER_ID';
