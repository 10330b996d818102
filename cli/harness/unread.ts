import {rowsTouching} from './upstream-connections.js';

/**
True when no open connection to `port` holds bytes its server has not read yet
(/proc/net/tcp's rx_queue on the server side). The handshake for "the server has
read the requests just written": a Node server reads, parses and runs its
request handler in one go, so a request read is a request handled.
*/
export function nothingUnread(port: number): boolean {
	return !rowsTouching(port).some(row => row.localPort === port && row.state === 'ESTABLISHED' && row.rxQueue > 0);
}
