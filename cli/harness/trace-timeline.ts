/**
The `trace` command's readable timeline: fed the spy's events in file order,
it returns lines to print at once (one per message, from sender to receiver,
with the act, the key, the handle and the seq/ack pairing) and, at the end, a
summary. Pure apart from the optional /proc lookups injected for live runs.
*/
import path from 'node:path';
import {isExit, isMessage, isStart, MessagePairer, unwrap, type IpcMessage, type TraceEvent, type TraceStart} from './ipc-trace.js';

/**
What the timeline asks /proc when a pid's start line has not been read yet: a
cluster worker sends its first message (online) before the spy in it has loaded.
*/
export type ProcLookup = {
	/** NODE_UNIQUE_ID the process was started with; null if none, undefined if unreadable. */
	uniqueId: (pid: number) => string | null | undefined;
};

export type TimelineOptions = {
	/** Also show messages whose cmd does not start with NODE_ (the program's own send() calls). */
	all: boolean;
	/** Paths under this folder are shown relative to it. */
	cwd: string;
	procs?: ProcLookup;
};

type Json = Record<string, unknown>;

const LABEL_WIDTH = 16;
/** Cluster messages only a worker sends, and only a primary sends (a reply's sender is told by what it answers). */
const WORKER_ACTS = new Set(['online', 'queryServer', 'listening', 'close', 'exitedAfterDisconnect']);
const PRIMARY_ACTS = new Set(['newconn', 'disconnect']);
const MAX_JSON = 100;

function isObject(value: unknown): value is Json {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function compactJson(value: unknown, max = MAX_JSON): string {
	const text = JSON.stringify(value) ?? String(value);
	return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export class Timeline {
	private readonly pairer = new MessagePairer();
	private readonly starts = new Map<number, TraceStart>();
	private readonly exits = new Map<number, number | null>();
	private readonly signals = new Map<number, string>();
	private readonly pids = new Set<number>();
	/** Worker ids read from /proc (only answers found: a process may not be readable yet). */
	private readonly procIds = new Map<number, string>();
	/** Roles the cluster messages themselves tell: only a worker sends online, queryServer, listening... */
	private readonly seenWorkers = new Set<number>();
	private readonly seenPrimaries = new Set<number>();
	/** `${from}>${to}#${seq}` of each cluster message: what an ack answers. */
	private readonly acts = new Map<string, string>();
	private readonly messages: IpcMessage[] = [];
	private origin: number | undefined;

	constructor(private readonly options: TimelineOptions) {}

	/**
	Lines for a batch of events read together. Their start lines are learnt first:
	a worker's online is in the file before its start line, and the worker may
	already be gone from /proc (a short-lived one) when the batch is read.
	*/
	addAll(events: TraceEvent[]): string[] {
		for (const event of events) if (isStart(event)) this.starts.set(event.pid, event);
		return events.flatMap(event => this.add(event));
	}

	/** Lines to print for this event (often none: a receiver's copy of a message already shown). */
	add(event: TraceEvent): string[] {
		this.origin ??= event.t;
		this.pids.add(event.pid);
		if (isStart(event)) {
			this.starts.set(event.pid, event);
			return [this.line(event.t, `${this.alone(event.pid)}started: ${this.commandLine(event)}`)];
		}
		if (isExit(event)) {
			this.exits.set(event.pid, event.code);
			return [this.line(event.t, `${this.alone(event.pid)}exits with code ${event.code}`)];
		}
		if (!isMessage(event)) return [];
		if (event.peer !== null) this.pids.add(event.peer);
		const message = this.pairer.add(event);
		if (!message) return [];
		this.messages.push(message);
		this.rememberAct(message);
		this.learnRoles(message);
		if (!message.internal && !this.options.all) return [];
		const arrow = `${this.label(message.from).padEnd(LABEL_WIDTH)} → ${(message.to === null ? '?' : this.label(message.to)).padEnd(LABEL_WIDTH)}`;
		const onlyReceived = message.sentAt === undefined ? '   [receiver\'s copy: sent before the spy loaded]' : '';
		return [this.line(message.sentAt ?? message.receivedAt!, `${arrow}  ${this.describe(message)}${onlyReceived}`)];
	}

	/** What the spy cannot write: the process was killed by a signal (the kit learns it from the keeper). */
	killedBy(pid: number, signal: string): void {
		this.signals.set(pid, signal);
	}

	/** Column headings for the live timeline. */
	header(): string {
		return `${'ms'.padStart(9)}  ${'from'.padEnd(LABEL_WIDTH)}   ${'to'.padEnd(LABEL_WIDTH)}  message`;
	}

	/** Processes, message counts, and what the cluster messages say about the scheduling policy. */
	summary(): string[] {
		const lines: string[] = [];
		const internal = this.messages.filter(message => message.internal);
		const user = this.messages.length - internal.length;
		const cluster = internal.filter(message => isObject(unwrap(message.msg).inner) && (unwrap(message.msg).inner as Json).cmd === 'NODE_CLUSTER');
		const acks = internal.filter(message => isObject(message.msg) && message.msg.cmd === 'NODE_HANDLE_ACK').length;
		const withHandle = this.messages.filter(message => message.handle !== null).length;
		lines.push(`${this.pids.size} process${this.pids.size === 1 ? '' : 'es'}, ${internal.length} internal message${internal.length === 1 ? '' : 's'} (${cluster.length} NODE_CLUSTER, ${withHandle} carrying a handle, ${acks} NODE_HANDLE_ACK)${user > 0 ? `, ${user} of the program's own messages${this.options.all ? '' : ' (--all shows them)'}` : ''}.`);

		const width = Math.max(LABEL_WIDTH, ...[...this.pids].map(pid => this.label(pid).length));
		for (const pid of [...this.pids].sort((a, b) => a - b)) {
			const start = this.starts.get(pid);
			const exit = this.exits.has(pid)
				? `exit code ${this.exits.get(pid)}`
				: this.signals.has(pid)
					? `killed by ${this.signals.get(pid)}`
					: start
						? 'no exit code (killed, or still running when the trace stopped)'
						: 'not traced (no spy loaded there)';
			lines.push(`  ${this.label(pid).padEnd(width)}  ${start ? this.commandLine(start) : ''}${start ? '  ' : ''}${exit}`);
		}

		const facts = this.clusterFacts(cluster);
		if (facts.length > 0) lines.push('', ...facts);
		return lines;
	}

	private clusterFacts(cluster: IpcMessage[]): string[] {
		const facts: string[] = [];
		const inner = (message: IpcMessage) => unwrap(message.msg).inner as Json;
		const replies = cluster.filter(message => typeof inner(message).ack === 'number' && this.answered(message) === 'queryServer');
		const keys = [...new Set(cluster.map(message => inner(message).key).filter((key): key is string => typeof key === 'string'))];
		if (keys.length > 0) facts.push(`Handle keys (the primary's name for each listening address): ${keys.join(', ')}`);
		const shared = replies.filter(message => message.handle !== null).length;
		if (replies.length > 0) {
			if (shared === replies.length) facts.push(`All ${replies.length} queryServer replies carried a listening handle: each worker accepts connections itself on the shared socket (scheduling policy "none").`);
			else if (shared === 0) facts.push(`No queryServer reply carried a handle: the primary listens, accepts, and hands each connection to a worker in a newconn message (round-robin).`);
			else facts.push(`${shared} of ${replies.length} queryServer replies carried a listening handle (shared), the others none (round-robin).`);
		}
		const perWorker = new Map<number, number>();
		for (const message of cluster) {
			if (inner(message).act === 'newconn' && message.to !== null) perWorker.set(message.to, (perWorker.get(message.to) ?? 0) + 1);
		}
		if (perWorker.size > 0) {
			const counts = [...perWorker].sort((a, b) => a[0] - b[0]).map(([pid, count]) => `${this.label(pid)}: ${count}`);
			facts.push(`Connections handed out (newconn): ${counts.join(', ')}`);
		}
		return facts;
	}

	/** The from column for a line about one process, with the to column left empty. */
	private alone(pid: number): string {
		return `${this.label(pid).padEnd(LABEL_WIDTH)}   ${''.padEnd(LABEL_WIDTH)}  `;
	}

	private line(t: number, text: string): string {
		return `${(t - (this.origin ?? t)).toFixed(1).padStart(9)}  ${text}`;
	}

	private learnRoles(message: IpcMessage): void {
		const inner = unwrap(message.msg).inner;
		if (!isObject(inner) || inner.cmd !== 'NODE_CLUSTER' || message.to === null) return;
		const fromWorker = typeof inner.act === 'string' ? WORKER_ACTS.has(inner.act) : this.answered(message) === 'newconn';
		const fromPrimary = typeof inner.act === 'string' ? PRIMARY_ACTS.has(inner.act) : this.answered(message) === 'queryServer';
		if (fromWorker) {
			this.seenWorkers.add(message.from);
			this.seenPrimaries.add(message.to);
		}
		if (fromPrimary) {
			this.seenPrimaries.add(message.from);
			this.seenWorkers.add(message.to);
		}
	}

	private rememberAct(message: IpcMessage): void {
		const inner = unwrap(message.msg).inner;
		if (!isObject(inner) || inner.cmd !== 'NODE_CLUSTER' || typeof inner.seq !== 'number') return;
		this.acts.set(`${message.from}>${message.to}#${inner.seq}`, typeof inner.act === 'string' ? inner.act : 'reply');
	}

	/** The act of the message this one's ack answers (sent the other way on the same channel). */
	private answered(message: IpcMessage): string | undefined {
		const inner = unwrap(message.msg).inner;
		if (!isObject(inner) || typeof inner.ack !== 'number') return undefined;
		return this.acts.get(`${message.to}>${message.from}#${inner.ack}`);
	}

	describe(message: IpcMessage): string {
		const {inner, envelope} = unwrap(message.msg);
		const handle = message.handle ? ` + ${message.handle} handle` : envelope ? ' + a handle that did not arrive' : '';
		if (!isObject(inner)) return `message ${compactJson(inner)}${handle}`;
		if (inner.cmd === 'NODE_HANDLE_ACK') return 'NODE_HANDLE_ACK: the handle arrived, the next one may be sent';
		if (inner.cmd === 'NODE_HANDLE_NACK') return 'NODE_HANDLE_NACK: the handle did not arrive, Node sends it again';
		if (inner.cmd !== 'NODE_CLUSTER') {
			const kind = typeof inner.cmd === 'string' && inner.cmd.startsWith('NODE_') ? inner.cmd : 'message';
			return `${kind} ${compactJson(inner)}${handle}`;
		}
		const seq = typeof inner.seq === 'number' ? `seq ${inner.seq}` : '';
		const key = typeof inner.key === 'string' ? ` key ${inner.key}` : '';
		const address = `${inner.address ?? '*'}:${inner.port ?? '?'}${inner.fd !== undefined && inner.fd !== null ? ` fd ${String(inner.fd)}` : ''}`;
		let what: string;
		if (typeof inner.ack === 'number') {
			const answered = this.answered(message);
			const errno = inner.errno !== null && inner.errno !== undefined && inner.errno !== 0 ? ` errno ${String(inner.errno)}` : '';
			if (answered === 'queryServer') {
				what = `reply to queryServer:${key}${errno}${handle || ', no handle (round-robin: the primary accepts)'}`;
			} else if (answered === 'newconn') {
				what = inner.accepted === false ? 'not accepted (worker at maxConnections): the primary tries another worker' : 'accepted';
			} else {
				const rest = Object.fromEntries(Object.entries(inner).filter(([name]) => !['cmd', 'ack', 'seq'].includes(name)));
				what = `reply to ${answered ?? 'a message not seen'}${Object.keys(rest).length > 0 ? ` ${compactJson(rest)}` : ''}${handle}`;
			}
			return `${what}  (ack ${inner.ack}${seq ? `, ${seq}` : ''})`;
		}
		switch (inner.act) {
			case 'queryServer':
				what = `queryServer ${address}`;
				break;
			case 'listening':
				what = `listening ${address}`;
				break;
			case 'newconn':
				what = `newconn${key}${handle}`;
				break;
			case 'close':
				what = `close${key}`;
				break;
			case 'online':
			case 'disconnect':
			case 'exitedAfterDisconnect':
				what = String(inner.act);
				break;
			default: {
				const rest = Object.fromEntries(Object.entries(inner).filter(([name]) => !['cmd', 'act', 'seq'].includes(name)));
				what = `${String(inner.act ?? 'NODE_CLUSTER')} ${compactJson(rest)}${handle}`;
			}
		}
		return seq ? `${what}  (${seq})` : what;
	}

	/** "primary 1234", "worker#2 1240", or "node 1250" for any other process. */
	label(pid: number): string {
		if (pid < 0) return '?';
		const id = this.uniqueId(pid);
		if (id !== null && id !== undefined) return `worker#${id} ${pid}`;
		if (this.seenWorkers.has(pid)) return `worker#? ${pid}`;
		if (this.seenPrimaries.has(pid) || this.isParentOfWorker(pid)) return `primary ${pid}`;
		return `node ${pid}`;
	}

	private uniqueId(pid: number): string | null | undefined {
		const start = this.starts.get(pid);
		if (start) return start.uniqueId;
		const known = this.procIds.get(pid);
		if (known !== undefined) return known;
		// Not cached when absent: read between fork and exec, /proc shows the parent's environment.
		const id = this.options.procs?.uniqueId(pid);
		if (id !== null && id !== undefined) this.procIds.set(pid, id);
		return id;
	}

	/** A process whose traced child is a cluster worker (before any cluster message says so). */
	private isParentOfWorker(pid: number): boolean {
		for (const start of this.starts.values()) if (start.uniqueId !== null && start.ppid === pid) return true;
		return false;
	}

	private commandLine(start: TraceStart): string {
		const [exe = 'node', ...args] = start.argv;
		// Node's own options (-e '...', --import ...) are in execArgv; a TypeScript loader's URL (tsx's, the kit's) is long and says little.
		const nodeOptions = (start.execArgv ?? []).map(arg => (/^file:.*[\\/]tsx[\\/]/.test(arg) ? 'tsx' : /^file:.*[\\/]ts-loader\.mjs$/.test(arg) ? 'ts-loader' : arg));
		const shorten = (arg: string) => (path.isAbsolute(arg) && arg.startsWith(this.options.cwd + path.sep) ? path.relative(this.options.cwd, arg) : arg);
		const shown = [path.basename(exe), ...nodeOptions, ...args.map(shorten)].join(' ');
		return shown.length > 70 ? `${shown.slice(0, 69)}…` : shown;
	}
}
