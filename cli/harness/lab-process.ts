import type {ChildProcess} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {createInterface} from 'node:readline';
import {pathToFileURL} from 'node:url';
import {setTimeout as delay} from 'node:timers/promises';
import {execa} from 'execa';
import {keeperFile, tsLoaderFile, tsxLoaderUrl} from '../paths.js';
import {killAllLabGroups, liveGroups, signalGroup} from './lab-groups.js';
import {groupMembers, isAlive} from './procfs.js';

export type ExitInfo = {code: number | null; signal: string | null; error?: string};

export type LabProcessOptions = {
	/** The lab folder; the learner's entry runs with it as cwd. */
	cwd: string;
	/** The entry file, relative to cwd (e.g. main.ts). */
	entry: string;
	/** Added on top of a cleaned copy of the kit's environment. */
	env: Record<string, string>;
	/** Every line the learner's tree prints, for context (never graded). */
	onOutput?: (stream: 'stdout' | 'stderr', line: string) => void;
	/**
	When the kit runs as root: the supplementary groups the learner's program
	starts with (the keeper sets them), so that a privilege drop that forgets
	setgroups([]) shows. Unset: the kit's own groups, as before.
	*/
	supplementaryGroups?: readonly number[];
};

/** How many printed lines a lab process remembers for failure messages. */
const KEPT_LINES = 40;

/**
Environment variables that would make the learner's program behave as something
it is not (a cluster worker, an IPC child) or load code it did not ask for.
*/
const SCRUBBED_ENV = ['NODE_OPTIONS', 'NODE_UNIQUE_ID', 'NODE_CHANNEL_FD', 'NODE_CHANNEL_SERIALIZATION_MODE', 'NODE_CLUSTER_SCHED_POLICY'];

export function labEnvironment(extra: Record<string, string>): Record<string, string> {
	const env: Record<string, string> = {};
	for (const [key, value] of Object.entries(process.env)) {
		if (value !== undefined && !SCRUBBED_ENV.includes(key)) env[key] = value;
	}
	return {...env, ...extra};
}

/**
A learner's program running under a keeper (see keeper.mjs): its own process
group, killed as a whole when we stop it or when the kit dies.
*/
export class LabProcess {
	/** The keeper's pid, which is also the process group id. */
	readonly pgid: number;
	/** The primary's pid once the keeper has spawned it; undefined if it could not be started. */
	readonly primaryPid: Promise<number | undefined>;
	/** Resolves when the learner's primary exits, for whatever reason. */
	readonly exited: Promise<ExitInfo>;
	exitInfo: ExitInfo | undefined;
	private readonly lines: string[] = [];

	constructor(keeper: ChildProcess, onOutput?: LabProcessOptions['onOutput']) {
		this.pgid = keeper.pid!;
		liveGroups.add(this.pgid);
		const remember = (stream: 'stdout' | 'stderr') => (line: string) => {
			this.lines.push(line);
			if (this.lines.length > KEPT_LINES) this.lines.shift();
			onOutput?.(stream, line);
		};
		createInterface({input: keeper.stdout!}).on('line', remember('stdout'));
		createInterface({input: keeper.stderr!}).on('line', remember('stderr'));

		let resolvePid!: (pid: number | undefined) => void;
		let resolveExit!: (info: ExitInfo) => void;
		this.primaryPid = new Promise(resolve => {
			resolvePid = resolve;
		});
		this.exited = new Promise(resolve => {
			resolveExit = resolve;
		});
		const reports = keeper.stdio[3] as NodeJS.ReadableStream;
		createInterface({input: reports}).on('line', line => {
			const report = JSON.parse(line) as {event: string; pid?: number} & ExitInfo;
			if (report.event === 'spawned') resolvePid(report.pid!);
			if (report.event === 'exit') {
				this.exitInfo = {code: report.code, signal: report.signal, error: report.error};
				resolvePid(undefined); // no-op if the pid was already reported
				resolveExit(this.exitInfo);
			}
		});
		// If the keeper itself dies before reporting, the program is gone too.
		keeper.on('exit', () => {
			const info = this.exitInfo ?? {code: null, signal: 'SIGKILL'};
			this.exitInfo = info;
			resolvePid(undefined);
			resolveExit(info);
		});
	}

	/** The last lines the learner's tree printed, oldest first. */
	output(lines = KEPT_LINES): string[] {
		return this.lines.slice(-lines);
	}

	/** Pids of every live process in the group except the keeper. */
	members(): number[] {
		return groupMembers(this.pgid)
			.map(proc => proc.pid)
			.filter(pid => pid !== this.pgid);
	}

	/**
	Kill the whole group and wait, bounded, until nothing of it is alive. Zombies
	don't count: PID 1 may take a second or two to reap orphans.
	*/
	async stop(graceMs = 3000): Promise<void> {
		signalGroup(this.pgid, 'SIGKILL');
		const deadline = Date.now() + graceMs;
		while (groupMembers(this.pgid).length > 0 && Date.now() < deadline) await delay(10);
		liveGroups.delete(this.pgid);
	}
}

/**
Start `node keeper.mjs <args…>` (see keeper.mjs) as the leader of a new process
group, with its stdin as the lifeline and fd 3 for its reports: what
LabProcess reads. execa starts it, as it starts every other program; what the
harness needs here execa passes straight to spawn (detached, a fourth pipe),
and the rest is switched off: no buffering (LabProcess reads the lines as they
come), no timeout (the run decides when it ends) and no `cleanup`, which does
not apply to a detached process anyway: the lifeline and killAllLabGroups end
the whole group, which a kill of the keeper alone would not.
*/
export function startKeeper(args: readonly string[], options: {cwd: string; env: Record<string, string>}): ChildProcess {
	const keeper = execa(process.execPath, [keeperFile, ...args], {
		cwd: options.cwd,
		env: options.env,
		extendEnv: false, // the environment is exactly the one given (labEnvironment scrubs some of the kit's)
		detached: true, // setsid(): the keeper leads a new process group
		stdio: ['pipe', 'pipe', 'pipe', 'pipe'], // stdin is the lifeline; fd 3 carries reports
		buffer: false,
		cleanup: false,
		reject: false, // how it ended is LabProcess's to read (the keeper's reports, its 'exit')
	});
	// Nothing is ever written to the lifeline; the kit's death closes it.
	keeper.stdin!.on('error', () => {});
	return keeper;
}

/** The "type" of the package.json nearest to `dir` ("commonjs" when there is none, as for Node). */
function packageType(dir: string): string {
	for (let current = path.resolve(dir); ; current = path.dirname(current)) {
		try {
			return (JSON.parse(readFileSync(path.join(current, 'package.json'), 'utf8')) as {type?: string}).type ?? 'commonjs';
		} catch {
			if (path.dirname(current) === current) return 'commonjs';
		}
	}
}

/**
What runs the learner's TypeScript in each of their processes: in an ES module
folder (every workspace, the kit's own labs), the kit's light loader, which
costs a third of tsx's CPU at each start (0.2 against 0.65 CPU-s here; a lab
starts up to 12 processes, and on a busy machine start-up is what steps wait
for); tsx elsewhere, since it also knows CommonJS .ts, or with NCL_TS_LOADER=tsx.
*/
export function typeScriptLoader(dir: string, choice = process.env.NCL_TS_LOADER): string {
	return choice !== 'tsx' && packageType(dir) === 'module' ? pathToFileURL(tsLoaderFile).href : tsxLoaderUrl;
}

export function startLabProcess(options: LabProcessOptions): LabProcess {
	if (!existsSync(options.cwd)) throw new Error(`no such folder: ${options.cwd}`);
	const keeper = startKeeper(['--import', typeScriptLoader(options.cwd), options.entry], {
		cwd: path.resolve(options.cwd),
		env: {...labEnvironment(options.env), ...(options.supplementaryGroups ? {NCL_KEEPER_GROUPS: options.supplementaryGroups.join(',')} : {})},
	});
	return new LabProcess(keeper, options.onOutput);
}

export {isAlive, killAllLabGroups};
