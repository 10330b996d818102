// Real nginx, run by a checker: found on the machine, configured in a folder of
// the run, started in the foreground under a keeper of its own (so it ends with
// the run, or when the kit dies by any means), reloaded with SIGHUP.
//
// The learner's part of the configuration is a template included inside the
// http { } block the checker writes; everything that touches the machine (pid
// file, logs, temp paths, the user workers run as) is the checker's.
import {accessSync, chmodSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {setTimeout as delay} from 'node:timers/promises';
import {packageRoot} from '../paths.js';
import {LabProcess, labEnvironment, startKeeper} from './lab-process.js';
import {childrenOf, isAlive, readProc} from './procfs.js';
import {ProgramError, runProgramSync} from './run-program.js';

/** How to get nginx, per system: what `doctor` and the nginx lab's first step say. */
export const nginxInstallLines = [
	'Debian/Ubuntu: sudo apt-get install nginx-light   (or: sudo apt-get install nginx)',
	'Fedora:        sudo dnf install nginx',
	'macOS:         brew install nginx',
	'The lab runs nginx itself, in the foreground, on 127.0.0.1: you need not start or enable the nginx service (sudo systemctl disable --now nginx if the package started one).',
];

/** Folders where nginx lives but which a non-root PATH often lacks (Debian puts it in /usr/sbin). */
const EXTRA_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/local/bin', '/opt/homebrew/bin', '/usr/bin', '/sbin'];

/** The nginx binary: NCL_NGINX if set (a kit variable, for tests), else the first on PATH or in the usual sbin folders. */
export function findNginx(env: NodeJS.ProcessEnv = process.env): string | undefined {
	if (env.NCL_NGINX !== undefined) return isExecutable(env.NCL_NGINX) ? env.NCL_NGINX : undefined;
	const dirs = [...(env.PATH ?? '').split(path.delimiter).filter(Boolean), ...EXTRA_DIRS];
	for (const dir of dirs) {
		const candidate = path.join(dir, 'nginx');
		if (isExecutable(candidate)) return candidate;
	}
	return undefined;
}

function isExecutable(file: string): boolean {
	try {
		accessSync(file, constants.X_OK);
		return true;
	} catch {
		return false;
	}
}

export type NginxVersion = {text: string; major: number; minor: number; patch: number};

/** `nginx -v` (which prints to stderr), parsed; undefined when it does not run. */
export function nginxVersion(binary: string): NginxVersion | undefined {
	let text: string;
	try {
		const result = runProgramSync(binary, ['-v'], {timeoutMs: 5000});
		text = `${result.stderr}${result.stdout}`.trim();
	} catch (error) {
		if (error instanceof ProgramError) return undefined;
		throw error;
	}
	const match = /nginx\/(\d+)\.(\d+)\.(\d+)/.exec(text);
	if (!match) return undefined;
	return {text, major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3])};
}

/**
Fills `${NAME}` for the names given, and only those: every other `$name` and
`${name}` is nginx's own variable syntax and stays as written (the official
nginx image's envsubst templates work the same way). One line in, one line
out, so nginx's line numbers are the template's.
*/
export function renderTemplate(text: string, values: Readonly<Record<string, string>>): string {
	return text.replace(/\$\{([A-Z][A-Z0-9_]*)\}/g, (whole, name: string) => (Object.hasOwn(values, name) ? values[name]! : whole));
}

/** The group nobody's workers run in: Debian calls it nogroup, Fedora and macOS nobody. */
function nobodyGroup(): string {
	try {
		return /^nogroup:/m.test(readFileSync('/etc/group', 'utf8')) ? 'nogroup' : 'nobody';
	} catch {
		return 'nobody';
	}
}

/** A folder of the run holding nginx's configuration, pid file, logs and temp paths. */
export type NginxRun = {
	binary: string;
	version: NginxVersion;
	dir: string;
	/** The checker's main configuration, which includes labConf. */
	mainConf: string;
	/** The learner's template, rendered. */
	labConf: string;
	errorLog: string;
	pidFile: string;
};

export function prepareNginxRun(binary: string, version: NginxVersion): NginxRun {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'ncl-nginx-'));
	// As root, nginx's workers run as nobody and must reach the temp folders.
	chmodSync(dir, 0o755);
	const temp = path.join(dir, 'temp');
	mkdirSync(temp, {mode: 0o755});
	const run: NginxRun = {binary, version, dir, mainConf: path.join(dir, 'nginx.conf'), labConf: path.join(dir, 'lab.conf'), errorLog: path.join(dir, 'error.log'), pidFile: path.join(dir, 'nginx.pid')};
	const asRoot = process.getuid?.() === 0;
	const main = [
		'# Written by node-cluster-lab for one check run: everything but the include is the checker\'s.',
		'daemon off;',
		'master_process on;',
		'worker_processes 1;',
		`pid ${run.pidFile};`,
		`error_log ${run.errorLog} notice;`,
		// Root's nginx would otherwise try the compiled-in user (nobody:nobody, a group Debian lacks).
		...(asRoot ? [`user nobody ${nobodyGroup()};`] : []),
		'events { worker_connections 1024; }',
		'http {',
		'    access_log off;',
		...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(kind => `    ${kind}_temp_path ${path.join(temp, kind)};`),
		`    include ${run.labConf};`,
		'}',
		'',
	].join('\n');
	writeFileSync(run.mainConf, main);
	return run;
}

/** nginx's own command line for this run: -p and -c, and -e where nginx knows it (1.19.5 and later). */
export function nginxArgs(run: NginxRun, ...extra: string[]): string[] {
	const {major, minor, patch} = run.version;
	const knowsE = major > 1 || (major === 1 && (minor > 19 || (minor === 19 && patch >= 5)));
	return ['-p', `${run.dir}/`, '-c', run.mainConf, ...(knowsE ? ['-e', run.errorLog] : []), ...extra];
}

/**
`nginx -t` on the run's configuration: ok, and nginx's own words. A refused
configuration (exit 1) is an answer; nginx that cannot run or hangs gives the
one sentence of run-program as its words.
*/
export function testNginxConfig(run: NginxRun): {ok: boolean; output: string} {
	try {
		const result = runProgramSync(run.binary, nginxArgs(run, '-t', '-q'), {timeoutMs: 10_000, okExitCodes: [0, 1]});
		return {ok: result.exitCode === 0, output: `${result.stderr}${result.stdout}`.trim()};
	} catch (error) {
		if (error instanceof ProgramError) return {ok: false, output: error.message};
		throw error;
	}
}

/** The last lines of the run's error log. */
export function errorLogTail(run: NginxRun, lines = 8): string[] {
	try {
		return readFileSync(run.errorLog, 'utf8').trimEnd().split('\n').slice(-lines);
	} catch {
		return [];
	}
}

const launcherFile = path.join(packageRoot, 'cli', 'harness', 'trace-launcher.mjs');

/**
Start nginx in the foreground under a keeper of its own: a process group the
keeper SIGKILLs when the kit's end of its lifeline closes (the kit died, even
by SIGKILL), and that LabProcess.stop() and the kit's exit handlers kill as
any learner's group. `cwd` is the lab folder, so whoever looks for processes
running there finds nginx's too.
*/
export function startNginx(run: NginxRun, cwd: string, onOutput?: (stream: 'stdout' | 'stderr', line: string) => void): LabProcess {
	const keeper = startKeeper([launcherFile, run.binary, ...nginxArgs(run)], {cwd, env: labEnvironment({})});
	return new LabProcess(keeper, onOutput);
}

/** nginx's master: the launcher's child. */
export async function nginxMaster(nginx: LabProcess): Promise<number | undefined> {
	const launcher = await nginx.primaryPid;
	if (launcher === undefined) return undefined;
	return childrenOf(launcher).find(proc => proc.comm === 'nginx')?.pid;
}

/** nginx's worker processes (the master's children). */
export function nginxWorkers(master: number): number[] {
	return childrenOf(master)
		.filter(proc => proc.state !== 'Z')
		.map(proc => proc.pid);
}

/**
SIGHUP to the master (what `nginx -s reload` sends), then wait until a worker
started by the new configuration runs (a new worker pid) and every old worker
has stopped accepting: it is gone, or its title says "shutting down" (it then
only finishes the requests it has). Until then an old worker may still take a
new connection and serve it with the old configuration. Returns false if that
did not happen within maxMs (nginx refused the new configuration and keeps the
old one: see the error log).
*/
export async function reloadNginx(master: number, maxMs: number): Promise<boolean> {
	const before = new Set(nginxWorkers(master));
	process.kill(master, 'SIGHUP');
	const stopAt = Date.now() + maxMs;
	while (Date.now() < stopAt && isAlive(master)) {
		const now = nginxWorkers(master);
		const fresh = now.some(pid => !before.has(pid) && readProc(pid)?.comm === 'nginx');
		if (fresh && now.filter(pid => before.has(pid)).every(pid => shuttingDown(pid))) return true;
		await delay(10);
	}
	return false;
}

/** nginx retitles a worker it told to quit: "nginx: worker process is shutting down". */
function shuttingDown(pid: number): boolean {
	try {
		return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('shutting down');
	} catch {
		return true; // gone
	}
}

export function removeNginxRun(run: NginxRun): void {
	if (existsSync(run.dir)) rmSync(run.dir, {recursive: true, force: true});
}
