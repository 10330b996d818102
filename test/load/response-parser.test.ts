import {describe, expect, it} from 'vitest';
import {ParseError, ResponseParser} from '../../cli/load/response-parser.js';

type Seen = {status: number; pid: number | undefined; close: boolean};

function parserWithLog(headRequest = false): {parser: ResponseParser; seen: Seen[]} {
	const seen: Seen[] = [];
	return {parser: new ResponseParser((status, pid, close) => seen.push({status, pid, close}), headRequest), seen};
}

const lengthAnswer = 'HTTP/1.1 200 OK\r\nX-Worker-Pid: 4242\r\nContent-Length: 11\r\nConnection: keep-alive\r\n\r\nhello world';
const chunkedAnswer = 'HTTP/1.1 201 Created\r\nx-worker-pid: 77\r\ntransfer-encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nx-trailer: yes\r\n\r\n';
const closingAnswer = 'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 4\r\n\r\nbusy';
/** Three answers back to back, as a pipelined connection receives them. */
const stream = lengthAnswer + chunkedAnswer + closingAnswer;
const expected: Seen[] = [
	{status: 200, pid: 4242, close: false},
	{status: 201, pid: 77, close: false},
	{status: 503, pid: undefined, close: true},
];

describe('ResponseParser', () => {
	it('reads Content-Length and chunked answers back to back in one packet', () => {
		const {parser, seen} = parserWithLog();
		parser.feed(Buffer.from(stream));
		expect(seen).toEqual(expected);
		expect(parser.idle).toBe(true);
	});

	it('gives the same answers however the bytes are split into two packets', () => {
		const bytes = Buffer.from(stream);
		for (let cut = 1; cut < bytes.length; cut++) {
			const {parser, seen} = parserWithLog();
			parser.feed(bytes.subarray(0, cut));
			parser.feed(bytes.subarray(cut));
			expect(seen, `split at byte ${cut}: '${stream.slice(Math.max(0, cut - 10), cut)}|${stream.slice(cut, cut + 10)}'`).toEqual(expected);
		}
	});

	it('gives the same answers one byte per packet, even when the caller reuses its buffer', () => {
		const {parser, seen} = parserWithLog();
		const scratch = Buffer.alloc(1);
		for (const byte of Buffer.from(stream)) {
			scratch[0] = byte;
			parser.feed(scratch);
			scratch[0] = 0;
		}
		expect(seen).toEqual(expected);
	});

	it('completes an answer only when its last body byte arrives', () => {
		const {parser, seen} = parserWithLog();
		parser.feed(Buffer.from(lengthAnswer.slice(0, -1)));
		expect(seen).toEqual([]);
		expect(parser.idle).toBe(false);
		parser.feed(Buffer.from(lengthAnswer.slice(-1)));
		expect(seen).toHaveLength(1);
	});

	it('has no body for 204, 304 and answers to HEAD, and skips 1xx answers', () => {
		const {parser, seen} = parserWithLog();
		parser.feed(Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n'));
		expect(seen.map(answer => answer.status)).toEqual([204, 304]);
		const head = parserWithLog(true);
		head.parser.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n'));
		expect(head.seen).toHaveLength(2);
	});

	it('reads a body without length or chunking until the connection ends, and HTTP/1.0 as closing', () => {
		const {parser, seen} = parserWithLog();
		parser.feed(Buffer.from('HTTP/1.0 200 OK\r\nx-worker-pid: 9\r\n\r\nsome body'));
		expect(seen).toEqual([]);
		expect(parser.end()).toBe(false);
		expect(seen).toEqual([{status: 200, pid: 9, close: true}]);
	});

	it('says an answer was cut off when the connection ends inside it', () => {
		const {parser} = parserWithLog();
		parser.feed(Buffer.from(chunkedAnswer.slice(0, 90)));
		expect(parser.end()).toBe(true);
	});

	it('ignores a non-numeric x-worker-pid', () => {
		const {parser, seen} = parserWithLog();
		parser.feed(Buffer.from('HTTP/1.1 200 OK\r\nx-worker-pid: abc\r\ncontent-length: 0\r\n\r\n'));
		expect(seen).toEqual([{status: 200, pid: undefined, close: false}]);
	});

	it.each([
		['not HTTP', 'SSH-2.0-OpenSSH\r\n\r\n'],
		['a bad status', 'HTTP/1.1 abc OK\r\n\r\n'],
		['a bad Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: -3\r\n\r\n'],
		['a bad chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
	])('throws ParseError on %s', (_name, text) => {
		const {parser} = parserWithLog();
		expect(() => parser.feed(Buffer.from(text))).toThrow(ParseError);
	});

	it('stops reading after halt()', () => {
		const {parser, seen} = parserWithLog();
		parser.halt();
		parser.feed(Buffer.from(lengthAnswer));
		expect(seen).toEqual([]);
	});
});
