import {probeOwner, type OwnedAnswer} from '../harness/owner-probe.js';
import {describeFailures, list} from './common.js';
import type {StepContext} from './step.js';

export type HonestPidsOptions = {
	/** Connections whose owner must be seen (each looked up in /proc while open). */
	count: number;
	/** The workers, for the note. */
	workers: number[];
	/** The learner's processes: only these are scanned for the connection. */
	tree: number[];
	path: (index: number) => string;
	requestMs: number;
	/** What to do about a lie, from the lab's point of view. */
	hint: string;
};

/**
x-worker-pid must name the process that holds the connection: fresh
connections, 3 at a time, each looked up in /proc while still open (client
port → /proc/net/tcp → inode → fd tables). A program that writes another
process's pid (its primary's, a sibling's, one relayed in a reply) fails. Returns
the note.
*/
export async function requireHonestPids(context: StepContext, options: HonestPidsOptions): Promise<string> {
	const {count, workers, tree, path, requestMs, hint} = options;
	context.waitingFor(`${count} fresh connections, 3 at a time, each looked up in /proc while still open`);
	const probes: OwnedAnswer[] = [];
	const wrong: OwnedAnswer[] = [];
	// A connection already closed when /proc is read (no owner at all) proves nothing either way.
	const judged = () => probes.filter(probe => probe.status === 200 && probe.owners.length > 0).length;
	let started = 0;
	const lane = async () => {
		while (judged() < count && started < 2 * count && wrong.length < 3 && !context.signal.aborted) {
			const probe = await probeOwner({host: context.host, port: context.port, path: path(started++), pids: tree, timeoutMs: requestMs});
			probes.push(probe);
			if (probe.status === 200 && (probe.pid === undefined || (probe.owners.length > 0 && !probe.owners.includes(probe.pid)))) wrong.push(probe);
		}
	};
	await Promise.all([lane(), lane(), lane()]);
	// A request still unanswered at requestMs is a busy machine's to explain, not this step's:
	// only errors (reset, refused) fail here, and the slow ones are replaced like the connections closed too early.
	const failed = probes.filter(probe => probe.status !== 200 && !probe.error?.startsWith('no answer'));
	const unseen = probes.filter(probe => probe.status === 200 && probe.owners.length === 0);
	if (wrong.length > 0) {
		const byPrimary = wrong.filter(probe => probe.owners.includes(context.primaryPid));
		context.fail({
			message:
				byPrimary.length > 0
					? `Your primary served ${byPrimary.length} connections itself and named a worker in x-worker-pid`
					: `${wrong.length} answers name a process that does not hold the connection`,
			expected: 'the server side of each connection in the fd table of the worker named in x-worker-pid',
			actual: wrong
				.slice(0, 3)
				.map(probe => `x-worker-pid ${probe.pid ?? 'missing'}, but the connection (client port ${probe.clientPort}) is held by ${list(probe.owners)}${probe.owners.includes(context.primaryPid) ? ' (your primary)' : ''}`)
				.join('\n'),
			hint,
			repro: `exec 3<>/dev/tcp/${context.host}/${context.port}; printf 'GET ${path(0)} HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n' >&3; sleep 0.2; ss -tnp 'sport = :${context.port}'   # who holds it?`,
		});
	}
	if (failed.length > 0) {
		context.fail({
			message: `${failed.length} of ${probes.length} requests failed`,
			expected: 'every request answered 200 by a worker',
			actual: describeFailures(failed.map(probe => ({path: path(0), status: probe.status, headers: {}, body: '', ms: 0, finishedAt: 0, ...(probe.error === undefined ? {} : {error: probe.error})}))),
			repro: context.curl(path(0)),
		});
	}
	if (judged() < 3) {
		context.fail({
			message: `The checker could not tell who served: ${unseen.length} of ${probes.length} connections were already closed when it looked them up in /proc`,
			expected: 'answers on keep-alive connections that stay open for a moment after the answer (the Node default), so that /proc shows which process holds them',
			actual: `${judged()} connections looked up; ${unseen.length} gone before the lookup`,
			hint: 'Do not close every connection after its answer (no Connection: close from the server). If your server keeps connections open, the machine was too busy: run the check again.',
			repro: `exec 3<>/dev/tcp/${context.host}/${context.port}; printf 'GET ${path(0)} HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n' >&3; sleep 0.2; ss -tnp 'sport = :${context.port}'`,
		});
	}
	const counts = new Map<number, number>();
	for (const probe of probes) if (probe.pid !== undefined && probe.owners.length > 0) counts.set(probe.pid, (counts.get(probe.pid) ?? 0) + 1);
	return `${judged()} connections, each held by the worker it named: ${workers.map(pid => `${pid}: ${counts.get(pid) ?? 0}`).join(', ')}${unseen.length > 0 ? ` (${unseen.length} more closed before the lookup)` : ''}`;
}
