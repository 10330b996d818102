import {randomUUID} from 'node:crypto';
import {holdEnvironment, HOLD_VARIABLES, restartWithChildrenHeld} from '../harness/hold-at-start.js';
import {connectionQueue} from '../harness/open-connections.js';
import {childrenOf, readProc} from '../harness/procfs.js';
import {countByPid, type Answer} from '../harness/traffic.js';
import {trackedGet} from '../harness/tracked-get.js';
import {sampleProcess} from '../harness/cpu-share.js';
import {stuckNote, describeFailures, exitOnDisconnectStep, ipcChildren, jsonBody, list, pollUntil, requireWholeAgain, requireWorkerCount, requireWorkerPid, startsStep, sigtermStep, tooBusyToJudge} from './common.js';
import type {LabCheck, Step, StepContext} from './step.js';

/** Not the lesson's default (2), so a hard-coded count fails. */
const WORKERS = 3;
/** The restart's count: a program that hard-codes the first one fails. One child, because starting processes is what costs time on a busy machine. */
const MORE_WORKERS = 1;
/**
CPU each "work-in-children" request burns in the child, in ms (one request
per child). It is also the primary's budget for relaying all of them: doing
even one request's work in the primary goes over it, while relaying costs a
few ms per request (up to 9 ms each measured under CPU hogs, load 25).
*/
const SPIN_MS = 300;
/**
How long the restarted program's children are held at their start, at most (the checker lets them go
once the primary has read its early requests). A primary that waits for its children before it listens
is restarted this much later; the others not at all.
*/
const EARLY_HOLD_MS = 6000;
/** A delay longer than every bound below: work a child still holds when its primary dies. */
const HOLD_MS = 10_000;

function children(context: StepContext): number[] {
	return context.memo.get('children') as number[];
}

function workPath(id: string, delay = 0, spin = 0): string {
	return `/work?id=${encodeURIComponent(id)}&delay=${delay}&spin=${spin}`;
}

/** One line per problem, at most a few examples each, so messages stay readable. */
function examples<T>(items: T[], show: (item: T) => string, max = 3): string {
	const shown = items.slice(0, max).map(show);
	if (items.length > max) shown.push(`… and ${items.length - max} more`);
	return shown.join('\n');
}

/** How long a request sent at start-up may wait: children load tsx first (seconds on a busy machine; over 15 s with CPU hogs at a load average of 30). */
const STARTUP_ANSWER_MS = 30_000;

async function statsSnapshot(context: StepContext): Promise<Record<string, number>> {
	const answer = await context.http.get('/stats', {timeoutMs: 15_000});
	const body = jsonBody(answer);
	if (answer.status !== 200 || typeof body !== 'object' || body === null || Array.isArray(body)) {
		context.fail({
			message: 'GET /stats did not answer with a JSON object',
			expected: '200 with a JSON object such as {"4101": 12, "4102": 11}: requests served per child pid',
			actual: answer.error ?? `status ${answer.status}, body ${JSON.stringify(answer.body.slice(0, 200))}`,
			repro: context.curl('/stats'),
		});
	}
	return body as Record<string, number>;
}

/** Fails unless /stats grew, per child pid, by exactly the answers that named that pid. */
function requireStatsMatch(context: StepContext, before: Record<string, number>, after: Record<string, number>, answers: Answer[], when: string): void {
	const counted = countByPid(answers);
	const keys = new Set([...Object.keys(after), ...[...counted.keys()].map(String)]);
	const wrong = [...keys].filter(pid => (Number(after[pid]) || 0) - (Number(before[pid]) || 0) !== (counted.get(Number(pid)) ?? 0));
	if (wrong.length === 0) return;
	context.fail({
		message: `/stats does not match the answers the checker received${when}`,
		expected: `increase per child pid over ${answers.length} requests: ${JSON.stringify(Object.fromEntries(counted))}`,
		actual: `increase in /stats: ${JSON.stringify(Object.fromEntries([...keys].map(pid => [pid, (Number(after[pid]) || 0) - (Number(before[pid]) || 0)])))}`,
		hint: "Key /stats by the child's pid (the same number as x-worker-pid), and count a request when its child reports it done, replacements included.",
		repro: context.curl('/stats'),
	});
}

export const ipcCheck: LabCheck = {
	lab: '01-ipc',
	env: () => ({WORKERS: String(WORKERS), ...holdEnvironment('ncl-01-hold')}),
	kitVariables: HOLD_VARIABLES,
	variables: {WORKERS: [String(WORKERS), String(MORE_WORKERS)]},
	steps: [
		startsStep(),
		{
			id: 'answers',
			title: 'Answers GET /work with JSON and x-worker-pid',
			timeoutMs: 70_000,
			async run(context) {
				context.waitingFor('an answer to GET /work?id=hello');
				const cpuBefore = sampleProcess(context.primaryPid);
				// The first request may reach children that are still starting (tsx in
				// every child): on a busy machine that takes seconds, so wait long.
				let answer = await context.http.get(workPath('hello'), {timeoutMs: 15_000});
				// Refused while the children were still starting, and answered once they run? That is
				// a request racing start-up: step one-worker arranges that race every time and judges
				// it there. Asked again (bounded) so that this step judges only the answer itself.
				if (answer.status >= 500) {
					context.waitingFor('an answer to GET /work?id=hello once your children have had time to start');
					for (const stopAt = Date.now() + STARTUP_ANSWER_MS; answer.status >= 500 && Date.now() < stopAt && !context.signal.aborted; ) {
						await new Promise(resolve => setTimeout(resolve, 250));
						const again = await context.http.get(workPath('hello'), {timeoutMs: 15_000});
						if (again.status === 200) context.note(`the first GET /work, sent as your program started, got status ${answer.status}; a later one 200 (step one-worker judges requests racing start-up)`);
						answer = again.status === 0 ? answer : again;
					}
				}
				const body = jsonBody(answer) as {id?: unknown} | undefined;
				const repro = context.curl(workPath('hello'));
				if (answer.status === 0) {
					context.fail({
						message: 'GET /work?id=hello got no answer',
						expected: '200 with {"id": "hello", "pid": <child pid>}',
						actual: [answer.error, stuckNote(context.primaryPid, cpuBefore)].filter(Boolean).join('\n'),
						hint: 'Does the primary answer once the child replies? Does the child reply at all?',
						repro,
					});
				}
				if (answer.status !== 200 || body?.id !== 'hello') {
					context.fail({
						message: 'GET /work?id=hello did not answer 200 with the id it was given',
						expected: '200 with a JSON body like {"id": "hello", "pid": 4101}',
						actual: `status ${answer.status}, body ${JSON.stringify(answer.body.slice(0, 200))}`,
						repro,
					});
				}
				requireWorkerPid(context, answer, {who: 'the child that did the work', repro});
			},
		},
		{
			id: 'child-processes',
			title: 'Forks child processes with an IPC channel',
			timeoutMs: 5000,
			async run(context) {
				// Children may still be starting; wait for them, bounded.
				const found = await pollUntil(() => {
					const pids = ipcChildren(context.primaryPid);
					return pids.length > 0 ? pids : undefined;
				}, 3000, context);
				if (!found) {
					const plain = childrenOf(context.primaryPid).filter(child => child.comm !== 'esbuild');
					context.fail({
						message: 'Your primary has no child processes with an IPC channel',
						expected: `${WORKERS} children started with child_process.fork() (they have NODE_CHANNEL_FD in /proc/<pid>/environ)`,
						actual: [
							plain.length > 0 ? `child processes without an IPC channel: ${list(plain.map(child => child.pid))} (started with spawn or exec rather than fork?)` : 'no child processes at all',
						].join('\n'),
						hint: 'Use fork() from node:child_process: it starts a new Node process and opens the IPC channel that send() and on("message") use. (worker_threads are threads inside your one process: they do not count.)',
						repro: `${context.runItYourself} &  sleep 2; ps -o pid,ppid,args --forest -C node`,
					});
				}
				context.memo.set('children', found);
			},
		},
		{
			id: 'workers-count',
			title: `Forks exactly WORKERS (${WORKERS}) children`,
			timeoutMs: 5000,
			async run(context) {
				// Let slow starters catch up before judging the count.
				const settled = await pollUntil(() => {
					const pids = ipcChildren(context.primaryPid);
					return pids.length >= WORKERS ? pids : undefined;
				}, 3000, context);
				const pids = settled ?? ipcChildren(context.primaryPid);
				requireWorkerCount(context, pids, WORKERS);
				context.memo.set('children', pids);
			},
		},
		{
			id: 'no-cross-talk',
			title: '200 concurrent requests each get their own answer',
			// Answers are judged for whose they are, not how fast: 20 s each (at a load average of 30, 2 to 9 of 200 took over 5 s).
			timeoutMs: 70_000,
			async run(context) {
				// First replies that must cross, in an order the checker arranges: a slow
				// request, then fast ones one at a time until the slow one is answered.
				// Once the slow one waits in the primary, a fast reply comes back first;
				// a primary that pairs replies with requests by order gives it to the
				// slow request, which is then answered before its own delay could pass.
				// A correct program can never answer it sooner, however loaded the machine.
				const SLOW_MS = 2000;
				context.waitingFor(`the answer to a slow request (delay=${SLOW_MS}) while fast ones overtake it`);
				const slowSent = Date.now();
				let slowDone = false;
				const slowAnswer = context.http.get(workPath('slow-pair', SLOW_MS), {timeoutMs: SLOW_MS + 8000}).finally(() => (slowDone = true));
				const fastAnswers: Answer[] = [];
				for (let index = 0; index < 20 && !slowDone && !context.signal.aborted; index++) fastAnswers.push(await context.http.get(workPath(`fast-pair-${index}`, 0), {timeoutMs: SLOW_MS + 8000}));
				const slow = await slowAnswer;
				if (slow.status === 200 && slow.finishedAt - slowSent < SLOW_MS) {
					context.fail({
						message: `A request that takes ${SLOW_MS} ms was answered after ${slow.finishedAt - slowSent} ms: it got the reply meant for a faster request`,
						expected: `the ${SLOW_MS} ms request is answered after at least ${SLOW_MS} ms, with its own reply`,
						actual: `slow request answered after ${slow.finishedAt - slowSent} ms (body ${slow.body.slice(0, 80)}); ${fastAnswers.length} fast requests sent meanwhile, one at a time`,
						hint: 'Replies come back out of order when children take different times. Match each reply to its request by the request id it carries, not by the order requests came in.',
						repro: `${context.curl(workPath('slow', SLOW_MS))} & sleep 0.2; ${context.curl(workPath('fast', 0))}; wait`,
					});
				}
				const ids = Array.from({length: 200}, () => randomUUID().slice(0, 8));
				// Random delays make the children's replies come back out of order.
				const delays = ids.map(() => Math.floor(Math.random() * 101));
				context.waitingFor('answers to 200 requests sent 50 at a time');
				const answers = await context.http.burst({count: 200, concurrency: 50, timeoutMs: 20_000, path: index => workPath(ids[index]!, delays[index])});
				const failed = answers.filter(answer => answer.status !== 200);
				if (failed.length > 0) {
					context.fail({
						message: `${failed.length} of 200 concurrent requests failed`,
						expected: '200 answers with status 200',
						actual: describeFailures(failed),
						hint: 'Keep one pending entry per request, keyed by its own id, and answer it when that id comes back.',
						repro: `for i in 1 2 3 4 5; do ${context.curl(workPath('$i', 30))} & done; wait`,
					});
				}
				const crossed: Array<{sent: string; got: unknown}> = [];
				answers.forEach((answer, index) => {
					const got = (jsonBody(answer) as {id?: unknown} | undefined)?.id;
					if (got !== ids[index]) crossed.push({sent: ids[index]!, got});
				});
				if (crossed.length > 0) {
					context.fail({
						message: `${crossed.length} of 200 answers carried another request's id: replies are matched to the wrong requests`,
						expected: 'each answer carries the id of its own request',
						actual: examples(crossed, item => `sent id=${item.sent}, got id=${JSON.stringify(item.got)}`),
						hint: 'Replies come back out of order when children take different times. Give each request an id, send it with the work, and look the request up by the id in the reply, not by order.',
						repro: `${context.curl(workPath('slow', 500))} & ${context.curl(workPath('fast', 0))}; wait`,
					});
				}
				// An answer sooner than its own delay is some other request's reply.
				const early = answers.map((answer, index) => ({answer, delay: delays[index]!})).filter(({answer, delay}) => answer.status === 200 && answer.ms + 2 < delay);
				if (early.length > 0) {
					context.fail({
						message: `${early.length} of 200 answers came sooner than their own work takes: they carry another request's reply`,
						expected: 'a request with delay=N is answered after at least N ms',
						actual: examples(early, ({answer, delay}) => `delay=${delay} answered after ${answer.ms} ms`),
						hint: 'Match each reply to its request by the request id it carries, not by order.',
						repro: `${context.curl(workPath('slow', 300))} & ${context.curl(workPath('fast', 0))}; wait`,
					});
				}
				const known = new Set(children(context));
				const strangers = [...new Set(answers.map(answer => answer.pid).filter(pid => pid === undefined || !known.has(pid)))];
				if (strangers.length > 0) {
					context.fail({
						message: 'Some answers name a pid that is not one of your children',
						expected: `x-worker-pid is the pid of the child that did the work: one of ${list(known)}`,
						actual: `x-worker-pid values: ${strangers.map(String).join(', ')}`,
						hint: 'Put the child\'s process.pid (sent back in its reply) in x-worker-pid.',
						repro: context.curl(workPath('who')),
					});
				}
				context.memo.set('tally', countByPid(answers));
			},
		},
		{
			id: 'same-id',
			title: 'Two requests with the same id at once each get their own answer',
			timeoutMs: 40_000,
			async run(context) {
				// Clients choose ?id=, so two may send the same one. Each pair: a slow
				// and a fast request with one id, sent together. A primary that keys its
				// pending requests by the client's id loses one of each pair: the fast
				// reply answers the slow request early, or the slow one is never answered.
				const SLOW_MS = 300;
				const ANSWER_WITHIN_MS = 20_000;
				const pairs = ['twin-a', 'twin-b', 'twin-c'];
				context.waitingFor(`answers to ${pairs.length} pairs of requests, each pair sharing one id`);
				const sent = pairs.flatMap(id => [
					{id, delay: SLOW_MS},
					{id, delay: 0},
				]);
				const answers = await Promise.all(sent.map(({id, delay}) => context.http.get(workPath(id, delay), {timeoutMs: ANSWER_WITHIN_MS})));
				const wrong = answers
					.map((answer, index) => ({answer, ...sent[index]!}))
					.filter(({answer, id, delay}) => answer.status !== 200 || (jsonBody(answer) as {id?: unknown} | undefined)?.id !== id || answer.ms + 2 < delay);
				if (wrong.length > 0) {
					const hung = wrong.filter(({answer}) => answer.status === 0);
					context.fail({
						message: hung.length > 0 ? `${hung.length} of ${sent.length} requests sent with the same id as another were never answered` : `${wrong.length} of ${sent.length} requests sent with the same id as another got the other one's answer`,
						expected: `each request answered 200 with its own id, a delay=${SLOW_MS} request after at least ${SLOW_MS} ms`,
						actual: examples(wrong, ({answer, id, delay}) => `id=${id}&delay=${delay}: ${answer.status === 0 ? answer.error : `status ${answer.status} after ${answer.ms} ms, body ${answer.body.slice(0, 80)}`}`),
						hint: "Key your pending requests by a number the primary makes up (a counter), not by the client's ?id=: two clients may send the same token, and the second entry overwrites the first.",
						repro: `${context.curl(workPath('twin', SLOW_MS))} & ${context.curl(workPath('twin', 0))}; wait`,
					});
				}
			},
		},
		{
			id: 'every-child-works',
			title: 'Work reaches every child',
			timeoutMs: 2000,
			async run(context) {
				const tally = context.memo.get('tally') as Map<number, number>;
				const idle = children(context).filter(pid => !tally.has(pid));
				if (idle.length > 0) {
					context.fail({
						message: `${idle.length} of your ${WORKERS} children answered none of the 200 requests`,
						expected: 'every child does some of the work',
						actual: `answers per child: ${children(context).map(pid => `${pid}: ${tally.get(pid) ?? 0}`).join(', ')}`,
						hint: 'Pick the child for each request in turn (round-robin) from the whole list of children.',
					});
				}
				context.note(`spread over 200 requests: ${children(context).map(pid => tally.get(pid) ?? 0).join(' / ')}`);
			},
		},
		{
			id: 'work-in-children',
			title: 'The work really runs in the child named by x-worker-pid',
			timeoutMs: 100_000,
			async run(context) {
				const kids = children(context);
				const pids = [context.primaryPid, ...kids];
				const before = new Map(pids.map(pid => [pid, readProc(pid)?.cpuMs ?? 0]));
				const count = kids.length;
				context.waitingFor(`answers to ${count} requests that each burn ${SPIN_MS} ms of CPU`);
				// One at a time: with 3 children on 2 cores, concurrent busy loops that
				// count wall-clock time would get too little CPU and fail correct code.
				// 30 s each: 300 ms of CPU is 6 s or more of wall time for a process that gets 5% of a core
				// (a load average of 40 on 2 cores). The CPU figures are judged first: they hold however slow.
				const answers = await context.http.burst({count, concurrency: 1, timeoutMs: 30_000, path: index => workPath(`cpu-${index}`, 0, SPIN_MS)});
				const used = new Map(pids.map(pid => [pid, (readProc(pid)?.cpuMs ?? 0) - before.get(pid)!]));
				const failed = answers.filter(answer => answer.status !== 200);
				const claimed = countByPid(answers);
				// CPU time is counted in 10 ms ticks, and only while a process runs, so
				// CPU hogs beside it change neither figure. A child gets half its claimed
				// work as a floor (a spin that counts wall time gets less CPU under load).
				// The primary's budget for relaying all the requests is one request's
				// work: relaying costs a few ms per request, doing one request costs SPIN_MS.
				const shortfall = kids.filter(pid => (claimed.get(pid) ?? 0) > 0 && used.get(pid)! < (claimed.get(pid)! * SPIN_MS) / 2);
				const primaryUsed = used.get(context.primaryPid)!;
				const table = pids.map(pid => `${pid === context.primaryPid ? 'primary' : 'child'} ${pid}: claimed ${pid === context.primaryPid ? 0 : (claimed.get(pid) ?? 0) * SPIN_MS} ms, used ${Math.round(used.get(pid)!)} ms of CPU`).join('\n');
				if (shortfall.length > 0 || primaryUsed >= SPIN_MS) {
					context.fail({
						message: 'The CPU time does not match x-worker-pid: the work is not done where the answers say',
						expected: `each child named in x-worker-pid uses about ${SPIN_MS} ms of CPU per request; the primary only relays, using less than ${SPIN_MS} ms for all ${count} requests`,
						actual: table,
						hint: 'The child must do the work (wait `delay`, then burn `spin` ms) and reply over IPC; the primary must not compute the answer itself.',
						repro: `${context.curl(workPath('x', 0, 2000))}   # then watch: top -p ${pids.join(',')}`,
					});
				}
				if (failed.length > 0) {
					context.fail({message: `${failed.length} of ${count} requests with spin=${SPIN_MS} failed`, expected: 'status 200', actual: describeFailures(failed), repro: context.curl(workPath('x', 0, SPIN_MS))});
				}
				context.note(table.replace(/\n/g, '; '));
			},
		},
		{
			id: 'stats',
			title: '/stats agrees with what the checker counted',
			timeoutMs: 45_000,
			async run(context) {
				context.waitingFor('GET /stats');
				const before = await statsSnapshot(context);
				context.waitingFor('answers to 60 requests');
				const answers = await context.http.burst({count: 60, concurrency: 10, timeoutMs: 15_000, path: index => workPath(`stats-${index}`)});
				const failed = answers.filter(answer => answer.status !== 200);
				if (failed.length > 0) context.fail({message: `${failed.length} of 60 requests failed`, expected: 'status 200', actual: describeFailures(failed)});
				context.waitingFor('GET /stats');
				const after = await statsSnapshot(context);
				requireStatsMatch(context, before, after, answers, '');
			},
		},
		{
			id: 'child-death',
			title: "A killed child's requests get 503 at once, and a replacement appears",
			timeoutMs: 70_000,
			async run(context) {
				const SLOW_MS = 2000;
				const FAST_ENOUGH_MS = 5000;
				const original = children(context);
				let victim = 0;
				let got503 = false;
				// A learner may dispatch at random, so one round might give the victim
				// nothing to hold; two rounds of 18 make that a one-in-a-million event.
				for (let round = 0; round < 2 && !got503; round++) {
					const current = ipcChildren(context.primaryPid);
					victim = current[round % current.length]!;
					const count = WORKERS * 6;
					context.waitingFor(`${count} slow requests (delay=${SLOW_MS}) while child ${victim} is killed`);
					const pending = Array.from({length: count}, (_, index) => context.http.get(workPath(`slow-${round}-${index}`, SLOW_MS), {timeoutMs: SLOW_MS + 10_000}));
					// A handshake instead of a sleep: once a request sent after the slow
					// ones is answered, the primary has read and dispatched those.
					await context.http.get(workPath('barrier'), {timeoutMs: 15_000});
					const killedAt = Date.now();
					process.kill(victim, 'SIGKILL');
					const answers: Answer[] = await Promise.all(pending);
					const hung = answers.filter(answer => answer.status === 0);
					const slow503 = answers.filter(answer => answer.status === 503);
					if (hung.length > 0) {
						context.fail({
							message: `${hung.length} requests never got an answer after child ${victim} was killed: the primary leaves them hanging`,
							expected: `the requests the dead child held are answered 503 as soon as it exits (within ${FAST_ENOUGH_MS} ms)`,
							actual: describeFailures(hung),
							hint: 'Listen for the child\'s "exit" event; answer 503 to every request still pending on that child, then fork a replacement.',
							repro: `${context.curl(workPath('slow', 10_000))} & sleep 0.2; kill -9 <child pid>`,
						});
					}
					const others = answers.filter(answer => answer.status !== 503 && answer.status !== 200);
					if (others.length > 0) {
						context.fail({message: `${others.length} slow requests failed in an unexpected way after child ${victim} was killed`, expected: '200 from the live children, 503 for the dead one', actual: describeFailures(others)});
					}
					const late = slow503.filter(answer => answer.finishedAt - killedAt > FAST_ENOUGH_MS);
					if (late.length > 0) {
						context.fail({
							message: 'The requests of the dead child were answered 503 only after a long wait',
							expected: `503 within ${FAST_ENOUGH_MS} ms of the child's death`,
							actual: `503 came ${Math.min(...late.map(answer => answer.finishedAt - killedAt))} ms after the kill`,
							hint: 'Answer them from the child\'s "exit" event rather than a timeout.',
						});
					}
					got503 = slow503.length > 0;
					context.memo.set('victim', victim);
				}
				if (!got503) {
					context.fail({
						message: 'No request was answered 503 after a child holding work was killed',
						expected: 'the slow requests that were in flight on the killed child get 503',
						actual: 'every slow request was answered 200 (or none reached the killed child)',
						hint: 'Dispatch each request to a child in turn, and answer 503 when that child dies.',
					});
				}
				context.waitingFor(`a replacement for child ${victim}`);
				const replacement = await pollUntil(() => {
					const pids = ipcChildren(context.primaryPid).filter(pid => !original.includes(pid));
					return pids.length > 0 && ipcChildren(context.primaryPid).length >= WORKERS ? pids[0] : undefined;
				}, 8000, context);
				if (replacement === undefined) {
					context.fail({
						message: `No replacement child appeared within 8 s of killing ${victim}`,
						expected: `${WORKERS} live IPC children again`,
						actual: `children now: ${list(ipcChildren(context.primaryPid))}`,
						hint: 'Fork a new child in the "exit" handler (unless the primary is shutting down).',
					});
				}
				context.waitingFor(`the replacement child ${replacement} to answer a request`);
				let served = false;
				for (let attempt = 0; attempt < 10 && !served; attempt++) {
					const answers = await context.http.burst({count: WORKERS, concurrency: WORKERS, timeoutMs: 15_000, path: index => workPath(`new-${attempt}-${index}`)});
					served = answers.some(answer => answer.pid === replacement);
				}
				if (!served) {
					context.fail({
						message: `The replacement child ${replacement} never received work`,
						expected: 'the new child takes its share of requests',
						actual: `no answer from ${replacement} in ${WORKERS * 10} requests`,
						hint: 'Put the new child into the list your dispatcher picks from.',
					});
				}
				// Whole again: every request answered, by live children only, each taking
				// a share, and /stats still right. A dead child kept on the dispatch list
				// (every Nth request 503, or never answered) fails here.
				const live = ipcChildren(context.primaryPid);
				const statsBefore = await statsSnapshot(context);
				const whole = await requireWholeAgain(context, {
					pids: live,
					fault: `child ${victim} was killed and replaced`,
					path: workPath('whole'),
					count: 10 * live.length,
					concurrency: 3,
					timeoutMs: 15_000,
					hint: 'In the dead child\'s "exit" handler, take it off the list your dispatcher picks from (and skip children whose .connected is false); the replacement goes on that list.',
				});
				requireStatsMatch(context, statsBefore, await statsSnapshot(context), whole, ` after child ${victim} was replaced`);
				context.memo.set('children', live);
			},
		},
		sigtermWithWorkInFlight(),
		{
			id: 'one-worker',
			title: `Restarted with WORKERS=${MORE_WORKERS}: exactly that many children, working from the first request`,
			// The restart (up to 20 s under load), the requests read, then children that finish loading tsx.
			timeoutMs: 100_000,
			async run(context) {
				// Requests racing start-up, made certain: the restarted program's children are held at their
				// start (before any of their code runs, so none can say it is ready) until the primary has
				// read every request. Freezing the children once the port accepted came too late beside CPU
				// hogs: they had already said they were ready, and drops-before-ready passed.
				const hold = await restartWithChildrenHeld(context.env.NCL_HOLD_FILE!, EARLY_HOLD_MS, () => context.restart({WORKERS: String(MORE_WORKERS)}));
				// Children still held when the port accepted: this primary listens before its children are ready,
				// so its requests must be read while they are held, or the trap was never set.
				const heldAtListen = hold.held();
				let trapUnset = false;
				const count = 20;
				let answers: Answer[] = [];
				let handshake = '';
				let sent: Array<ReturnType<typeof trackedGet>> = [];
				try {
					context.waitingFor(`${count} requests sent as soon as the restarted program listens to be read by your primary, its children held at their start`);
					// Each may wait for the read (below) and then for a child that starts only once it goes on.
					sent = Array.from({length: count}, (_, index) => trackedGet(context.host, context.port, workPath(`early-${index}`), 2 * STARTUP_ANSWER_MS));
					const read = await pollUntil(() => {
						const pending = sent.filter(request => !request.done());
						return pending.every(request => request.clientPort() !== undefined && connectionQueue(context.port, request.clientPort()!)?.unread === 0) ? true : undefined;
					}, STARTUP_ANSWER_MS, context);
					const held = hold.held();
					trapUnset = read === true && held.length === 0 && heldAtListen.length > 0;
					handshake = !read ? `not all read by your primary within ${STARTUP_ANSWER_MS / 1000} s` : held.length > 0 ? `read by your primary while children ${list(held)} were held at their start` : 'read by your primary, no child being held any more (nothing was early)';
				} finally {
					hold.release();
				}
				context.waitingFor(`answers to ${count} requests sent as soon as the restarted program listened`);
				answers = await Promise.all(sent.map(request => request.answer));
				const pids = (await pollUntil(() => {
					const found = ipcChildren(context.primaryPid);
					return found.length >= MORE_WORKERS ? found : undefined;
				}, 5000, context)) ?? ipcChildren(context.primaryPid);
				requireWorkerCount(context, pids, MORE_WORKERS);
				const failed = answers.filter(answer => answer.status !== 200);
				if (failed.length > 0) {
					context.fail({
						message: `${failed.length} of ${count} requests sent right after a restart with WORKERS=${MORE_WORKERS} failed`,
						expected: 'every request answered 200, also those that arrive while the children are still starting',
						actual: `${describeFailures(failed)} (the requests were ${handshake})`,
						hint: 'Fork the children before you listen, and send them work at once: a message sent to a child that is still loading waits for its "message" listener. Do not answer 503 because no child has said it is ready yet.',
						repro: `${context.runItYourself} & sleep 0.3; ${context.curl(workPath('early'))}`,
					});
				}
				// All answered, but read only once the hold was over although the program listened while its
				// children were held: nothing was early, and a primary that drops early requests passed that
				// way beside CPU hogs. Not a pass: "too busy".
				if (trapUnset) {
					tooBusyToJudge(context, {
						message: `The machine was too busy to judge requests racing start-up: your program listened while children ${list(heldAtListen)} were held at their start, but your primary read the ${count} requests only after the ${EARLY_HOLD_MS / 1000} s hold was over`,
						expected: 'the requests read by your primary while the children are still held',
						actual: `all ${count} answered 200; nothing was early by the time they were read`,
					});
				}
				const tally = countByPid(answers);
				const idle = pids.filter(pid => !tally.has(pid));
				const strangers = [...tally.keys()].filter(pid => !pids.includes(pid));
				if (idle.length > 0 || strangers.length > 0) {
					context.fail({
						message: idle.length > 0 ? `With WORKERS=${MORE_WORKERS}, ${idle.length} of your children answered none of ${count} requests` : 'Some answers name a pid that is not one of your children',
						expected: `every one of ${list(pids)} does some of the work`,
						actual: `answers per pid: ${[...tally].map(([pid, n]) => `${pid}: ${n}`).join(', ')}`,
						hint: 'Dispatch over the whole list of children, however many WORKERS asked for.',
					});
				}
				context.memo.set('children', pids);
				context.note(`${count} requests ${handshake}, all answered; spread: ${pids.map(pid => tally.get(pid) ?? 0).join(' / ')}`);
			},
		},
		exitOnDisconnectStep({
			holding: `it holds work with delay=${HOLD_MS} (a pending timer)`,
			hint: 'In worker.ts: process.on("disconnect", () => process.exit(0)). A child does not die with its parent; a timer, a server or a pool keeps it running as an orphan.',
			async hold(context, kids) {
				context.waitingFor(`${2 * kids.length} requests with delay=${HOLD_MS} to reach the children`);
				// Not awaited: they end when the primary dies.
				for (let index = 0; index < 2 * kids.length; index++) void context.http.get(workPath(`held-${index}`, HOLD_MS), {timeoutMs: HOLD_MS + 5000});
				// A handshake: once a request sent after them is answered, the primary has dispatched them.
				await context.http.get(workPath('barrier'), {timeoutMs: 15_000});
			},
		}),
	],
};

/**
SIGTERM while every child is in the middle of a busy loop longer than the 3 s
deadline: a child cannot run its 'disconnect' handler until the loop ends, so
a primary that only disconnects, or waits for its children's work, is late.
*/
function sigtermWithWorkInFlight(): Step {
	const BUSY_MS = 5000;
	const plain = sigtermStep({
		primaryHint: `Handle SIGTERM in the primary: stop forking, kill the children (child.kill(): a child busy for ${BUSY_MS / 1000} s cannot run its "disconnect" handler in time), close the server, exit. A timer that forces the exit after 2 s is a cheap safety net.`,
		orphanHint: 'A forked child keeps running when its parent dies. Kill the children from the primary on SIGTERM: a child in a busy loop cannot run its "disconnect" handler until the loop ends.',
	});
	return {
		...plain,
		title: `SIGTERM stops the whole tree within 3 s, with ${BUSY_MS / 1000} s of work in flight`,
		timeoutMs: plain.timeoutMs + 8000,
		async run(context) {
			const kids = ipcChildren(context.primaryPid);
			const cpu = (pid: number) => readProc(pid)?.cpuMs ?? 0;
			const before = new Map(kids.map(pid => [pid, cpu(pid)]));
			context.waitingFor(`the children to start ${BUSY_MS} ms busy loops`);
			// Not awaited: SIGTERM ends them (503 or a closed connection, both fine).
			for (const [index] of kids.entries()) void context.http.get(workPath(`busy-${index}`, 0, BUSY_MS), {timeoutMs: BUSY_MS + 5000});
			// Bounded: a program that dispatches at random may leave a child idle.
			await pollUntil(() => (kids.every(pid => cpu(pid) - before.get(pid)! >= 30) ? true : undefined), 3000, context);
			await plain.run(context);
		},
	};
}
