/**
The load generator's HTTP/1.1 response reader: just enough of RFC 9112 to find
where each answer ends on a stream of bytes that may split anywhere (inside the
status line, a header, a chunk-size line or a body). It reads the status code
and the four headers the generator needs (Content-Length, Transfer-Encoding:
chunked, Connection: close, x-worker-pid) and skips every body byte without
copying it. A full parser (llhttp, undici) does far more per answer; this one
costs one latin1 string of the head and a few indexOf calls.
*/

const CRLF = Buffer.from('\r\n');
const CRLFCRLF = Buffer.from('\r\n\r\n');
/** A head longer than this is not an answer this kit's servers would send. */
export const MAX_HEAD_BYTES = 64 * 1024;

const HEAD = 0;
const LENGTH = 1;
const CHUNK_SIZE = 2;
const CHUNK_DATA = 3;
const TRAILER = 4;
const UNTIL_CLOSE = 5;
const HALTED = 6;

export class ParseError extends Error {}

/** Called once per complete answer. `close`: the server said this connection ends after it. */
export type OnResponse = (status: number, pid: number | undefined, close: boolean) => void;

/** The pid an x-worker-pid value names, when it is one decimal number; undefined otherwise. */
function pidFrom(text: string): number | undefined {
	const value = text.trim();
	if (value.length === 0 || value.length > 10) return undefined;
	for (let index = 0; index < value.length; index++) {
		const code = value.charCodeAt(index);
		if (code < 48 || code > 57) return undefined;
	}
	return Number(value);
}

/** One chunk-size line (hex digits, then maybe `;extensions`), as a number. */
function chunkSize(buffer: Buffer, from: number, to: number): number {
	let size = 0;
	let digits = 0;
	for (let index = from; index < to; index++) {
		const code = buffer[index]!;
		let digit: number;
		if (code >= 48 && code <= 57) digit = code - 48;
		else if (code >= 97 && code <= 102) digit = code - 87;
		else if (code >= 65 && code <= 70) digit = code - 55;
		else if (code === 59 || code === 32 || code === 9) break;
		else throw new ParseError(`bad chunk size line '${buffer.toString('latin1', from, to)}'`);
		size = size * 16 + digit;
		if (++digits > 12) throw new ParseError('chunk size too large');
	}
	if (digits === 0) throw new ParseError(`bad chunk size line '${buffer.toString('latin1', from, to)}'`);
	return size;
}

export class ResponseParser {
	private state = HEAD;
	/** Bytes of a head or of a chunk-size line that the last packet cut in two. */
	private pending: Buffer | undefined;
	/** Body bytes still to skip (a Content-Length body, or a chunk plus its CRLF). */
	private remaining = 0;
	private status = 0;
	private pid: number | undefined;
	private close = false;

	/** `headRequest`: the answers are to HEAD requests, so they have no body whatever they say. */
	constructor(
		private readonly onResponse: OnResponse,
		private readonly headRequest = false,
	) {}

	/** True between answers: no byte of a next answer has arrived. */
	get idle(): boolean {
		return this.state === HEAD && this.pending === undefined;
	}

	/** Stop reading: the connection is being closed and the bytes after this point do not count. */
	halt(): void {
		this.state = HALTED;
		this.pending = undefined;
	}

	/**
	Read one packet. Throws ParseError on bytes that are not an HTTP/1.x answer.
	The bytes may be reused by the caller afterwards: what is kept is copied.
	*/
	feed(chunk: Buffer): void {
		let buffer = chunk;
		if (this.pending !== undefined) {
			buffer = Buffer.concat([this.pending, chunk]);
			this.pending = undefined;
		}
		const length = buffer.length;
		let at = 0;
		while (at < length) {
			switch (this.state) {
				case HEAD: {
					const end = buffer.indexOf(CRLFCRLF, at);
					if (end === -1) {
						if (length - at > MAX_HEAD_BYTES) throw new ParseError(`an answer's head is over ${MAX_HEAD_BYTES} bytes`);
						this.pending = Buffer.from(buffer.subarray(at));
						return;
					}
					this.head(buffer.toString('latin1', at, end + 2));
					at = end + 4;
					break;
				}
				case LENGTH:
				case CHUNK_DATA: {
					const take = Math.min(this.remaining, length - at);
					at += take;
					this.remaining -= take;
					if (this.remaining === 0) {
						if (this.state === LENGTH) this.complete();
						else this.state = CHUNK_SIZE;
					}
					break;
				}
				case CHUNK_SIZE:
				case TRAILER: {
					const end = buffer.indexOf(CRLF, at);
					if (end === -1) {
						if (length - at > MAX_HEAD_BYTES) throw new ParseError('a chunk-size or trailer line is too long');
						this.pending = Buffer.from(buffer.subarray(at));
						return;
					}
					if (this.state === TRAILER) {
						// Trailer fields are skipped; the empty line ends the answer.
						const empty = end === at;
						at = end + 2;
						if (empty) this.complete();
						break;
					}
					const size = chunkSize(buffer, at, end);
					at = end + 2;
					if (size === 0) this.state = TRAILER;
					else {
						// The chunk's data and the CRLF after it.
						this.remaining = size + 2;
						this.state = CHUNK_DATA;
					}
					break;
				}
				case UNTIL_CLOSE:
					at = length;
					break;
				default:
					// HALTED: what follows is not read.
					return;
			}
		}
	}

	/**
	The connection ended. Completes an answer whose body runs until the close
	(no Content-Length, not chunked); returns true when an answer was cut off.
	*/
	end(): boolean {
		if (this.state === UNTIL_CLOSE) {
			this.complete();
			return false;
		}
		return !this.idle && this.state !== HALTED;
	}

	private head(text: string): void {
		if (!text.startsWith('HTTP/1.')) throw new ParseError(`not an HTTP/1.x answer: '${text.slice(0, 40)}'`);
		const status = Number(text.slice(9, 12));
		if (!(status >= 100 && status <= 999)) throw new ParseError(`bad status line '${text.slice(0, text.indexOf('\r\n'))}'`);
		// HTTP/1.0 closes unless it says keep-alive; HTTP/1.1 keeps the connection unless it says close.
		let close = text.charCodeAt(7) === 48;
		let contentLength = -1;
		let chunked = false;
		let pid: number | undefined;
		let lineStart = text.indexOf('\r\n') + 2;
		while (lineStart < text.length) {
			let lineEnd = text.indexOf('\r\n', lineStart);
			if (lineEnd === -1) lineEnd = text.length;
			const colon = text.indexOf(':', lineStart);
			if (colon !== -1 && colon < lineEnd) {
				// Only names of the right length are lower-cased and compared.
				switch (colon - lineStart) {
					case 14:
						if (text.slice(lineStart, colon).toLowerCase() === 'content-length') {
							const value = Number(text.slice(colon + 1, lineEnd).trim());
							if (!Number.isSafeInteger(value) || value < 0) throw new ParseError(`bad Content-Length '${text.slice(colon + 1, lineEnd).trim()}'`);
							contentLength = value;
						}
						break;
					case 10:
						if (text.slice(lineStart, colon).toLowerCase() === 'connection') {
							const value = text.slice(colon + 1, lineEnd).toLowerCase();
							if (value.includes('close')) close = true;
							else if (value.includes('keep-alive')) close = false;
						}
						break;
					case 17:
						if (text.slice(lineStart, colon).toLowerCase() === 'transfer-encoding') chunked = text.slice(colon + 1, lineEnd).toLowerCase().includes('chunked');
						break;
					case 12:
						if (text.slice(lineStart, colon).toLowerCase() === 'x-worker-pid') pid = pidFrom(text.slice(colon + 1, lineEnd));
						break;
				}
			}
			lineStart = lineEnd + 2;
		}
		// 1xx answers (100 Continue, 103 Early Hints) come before the real one.
		if (status < 200) return;
		this.status = status;
		this.pid = pid;
		this.close = close;
		if (this.headRequest || status === 204 || status === 304) this.complete();
		else if (chunked) this.state = CHUNK_SIZE;
		else if (contentLength > 0) {
			this.remaining = contentLength;
			this.state = LENGTH;
		} else if (contentLength === 0) this.complete();
		else {
			this.close = true;
			this.state = UNTIL_CLOSE;
		}
	}

	private complete(): void {
		this.state = HEAD;
		this.onResponse(this.status, this.pid, this.close);
	}
}
