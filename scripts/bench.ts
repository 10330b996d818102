// npm run bench: figures, not pass/fail. Medians of interleaved runs, measured in
// one go, because this kind of machine is noisy; compare ratios, not absolutes.
//   1. start-up of the bundled CLI (--version, list) against a bare `node -e 0`
//   2. each lab's checker on its reference solution (total and per step)
//   3. the load generator's throughput against a trivial server in another process
//   4. the Ink app's cold start to its first frame, in a real terminal (tmux)
//   5. the kit's raw-net load generator against autocannon, side by side on one server
// `tsx scripts/bench.ts first-frame` (or startup, checkers, load, generators) runs one section.
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {setTimeout as delay} from 'node:timers/promises';
import {loadCatalog} from '../cli/catalog.js';
import {TrafficClient} from '../cli/harness/traffic.js';
import {ProgramError, runProgram, runProgramSync, startProgram} from '../cli/harness/run-program.js';
import {packageRoot} from '../cli/paths.js';
import {readProc} from '../cli/harness/procfs.js';

const cli = path.join(packageRoot, 'dist', 'cli.js');
const rounds = Number(process.env.BENCH_ROUNDS ?? 9);

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function timeMs(command: string, args: string[]): number {
	const started = process.hrtime.bigint();
	runProgramSync(command, args, {cwd: packageRoot, timeoutMs: 60_000});
	return Number(process.hrtime.bigint() - started) / 1e6;
}

function startup(): void {
	const cases: Array<[string, string[]]> = [
		['node -e 0 (baseline)', ['-e', '0']],
		['cli --version', [cli, '--version']],
		['cli list', [cli, 'list']],
	];
	const samples = new Map(cases.map(([name]) => [name, [] as number[]]));
	for (let round = 0; round < rounds; round++) for (const [name, args] of cases) samples.get(name)!.push(timeMs(process.execPath, args));
	console.log(`\n1. Start-up, median of ${rounds} interleaved runs`);
	const baseline = median(samples.get(cases[0]![0])!);
	for (const [name] of cases) {
		const value = median(samples.get(name)!);
		console.log(`   ${name.padEnd(24)} ${value.toFixed(0).padStart(5)} ms   ${(value / baseline).toFixed(2)}x baseline`);
	}
}

type JsonReport = {labs: Array<{id: string; durationMs: number; status: string; steps: Array<{id: string; durationMs: number}>}>};

function checkers(): void {
	const labs = loadCatalog();
	const checkerRounds = Math.max(3, Math.min(rounds, 5));
	console.log(`\n2. Checker on the reference solution, median of ${checkerRounds} runs`);
	for (const lab of labs) {
		const totals: number[] = [];
		const steps = new Map<string, number[]>();
		let failures = 0;
		for (let round = 0; round < checkerRounds; round++) {
			// Exit 1 is a failed check: its report still says how long each step took.
			const run = runProgramSync(process.execPath, [cli, 'verify', '--solutions', lab.id, '--reporter', 'json'], {cwd: packageRoot, timeoutMs: 300_000, okExitCodes: [0, 1]});
			if (run.exitCode !== 0) failures++;
			const report = (JSON.parse(run.stdout) as JsonReport).labs[0]!;
			totals.push(report.durationMs);
			for (const step of report.steps) steps.set(step.id, [...(steps.get(step.id) ?? []), step.durationMs]);
		}
		console.log(`   ${lab.id.padEnd(24)} ${median(totals).toFixed(0).padStart(5)} ms total${failures ? `   (${failures} of ${checkerRounds} runs FAILED)` : ''}`);
		for (const [id, values] of steps) console.log(`     ${id.padEnd(22)} ${median(values).toFixed(0).padStart(5)} ms`);
	}
}

type TrivialServer = {pid: number; port: number; stop: () => Promise<void>};

/**
A one-process node:http server answering 'ok' on a free loopback port (with
x-worker-pid when asked), in a process of its own so that the generator's CPU
and the server's can be told apart: on 2 cores they compete.
*/
async function startTrivialServer(withPid = false): Promise<TrivialServer> {
	const header = withPid ? "s.setHeader('x-worker-pid', process.pid); " : '';
	const code = `require('http').createServer((q, s) => { ${header}s.end('ok') }).listen(0, '127.0.0.1', function () { console.log(this.address().port) })`;
	let announce!: (port: number) => void;
	const announced = new Promise<number>(resolve => (announce = resolve));
	const server = startProgram(process.execPath, ['-e', code], {timeoutMs: Number.POSITIVE_INFINITY, onLine: (stream, line) => stream === 'stdout' && announce(Number(line.trim()))});
	// It ends only when stopped: a kill is how it is meant to end.
	const ended = server.result.catch((error: unknown) => {
		if (!(error instanceof ProgramError)) throw error;
		return error;
	});
	const port = await Promise.race([announced, ended.then(error => Promise.reject(error instanceof ProgramError ? error : new Error('the trivial server exited before it listened')))]);
	return {
		pid: server.subprocess.pid!,
		port,
		stop: async () => {
			server.subprocess.kill('SIGKILL');
			await ended;
		},
	};
}

async function loadGenerator(): Promise<void> {
	const server = await startTrivialServer();
	const port = server.port;
	console.log('\n3. Load generator (TrafficClient on undici) against a trivial node:http server in another process');
	try {
		for (const fresh of [true, false]) {
			const client = new TrafficClient(`http://127.0.0.1:${port}`);
			const serverCpuBefore = readProc(server.pid)?.cpuMs ?? 0;
			const ownCpuBefore = process.cpuUsage();
			const started = Date.now();
			const answers = await client.burst({count: 5000, concurrency: 32, fresh, deadlineMs: 20_000, path: () => '/'});
			const seconds = (Date.now() - started) / 1000;
			const own = process.cpuUsage(ownCpuBefore);
			const serverCpu = (readProc(server.pid)?.cpuMs ?? 0) - serverCpuBefore;
			await client.close();
			const ok = answers.filter(answer => answer.status === 200).length;
			console.log(
				`   ${(fresh ? 'fresh connection each' : 'keep-alive').padEnd(24)} ${Math.round(ok / seconds).toString().padStart(6)} req/s   ${ok}/5000 ok in ${seconds.toFixed(2)} s   CPU: generator ${Math.round(((own.user + own.system) / 1e3 / (seconds * 1000)) * 100)}%, server ${Math.round((serverCpu / (seconds * 1000)) * 100)}% of one core`,
			);
		}
	} finally {
		await server.stop();
	}
}

/**
`node dist/cli.js --first-frame` opens the app, writes the ms from process start
(performance.timeOrigin) to Ink's first frame on stderr, and exits. Ink needs a
terminal, so the runs happen in a tmux pane (a private server, -L), interleaved
with `node -e 0`, from a workspace so the first frame is the menu.
*/
async function firstFrame(): Promise<void> {
	console.log(`\n4. The app's first frame, median of ${rounds} interleaved runs in a tmux pane (100x30)`);
	try {
		runProgramSync('tmux', ['-V']);
	} catch (error) {
		console.log(`   skipped: ${(error as Error).message}`);
		return;
	}
	const scratch = mkdtempSync(path.join(os.tmpdir(), 'ncl-bench-ff-'));
	const socket = `ncl-bench-${process.pid}`;
	try {
		runProgramSync(process.execPath, [cli, 'init', 'ws'], {cwd: scratch});
		const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
		const results = path.join(scratch, 'results.txt');
		const frames = path.join(scratch, 'frames.txt');
		const done = path.join(scratch, 'done');
		const now = 'date +%s%N';
		writeFileSync(
			path.join(scratch, 'run.sh'),
			[
				`for i in $(seq ${rounds}); do`,
				`  s=$(${now}); ${quote(process.execPath)} -e 0; e=$(${now}); echo "baseline $(( (e - s) / 1000 ))" >> ${quote(results)}`,
				`  s=$(${now}); env -u CI ${quote(process.execPath)} ${quote(cli)} --first-frame 2>> ${quote(frames)}; e=$(${now}); echo "app $(( (e - s) / 1000 ))" >> ${quote(results)}`,
				'done',
				`touch ${quote(done)}`,
				'',
			].join('\n'),
		);
		const {TMUX: _outer, ...env} = process.env;
		runProgramSync('tmux', ['-L', socket, '-f', '/dev/null', 'new-session', '-d', '-x', '100', '-y', '30', '-c', path.join(scratch, 'ws'), `bash ${quote(path.join(scratch, 'run.sh'))}`], {env, extendEnv: false});
		const deadline = Date.now() + 60_000 + rounds * 10_000;
		while (!existsSync(done) && Date.now() < deadline) await delay(100);
		if (!existsSync(done)) {
			console.log('   FAILED: the runs did not finish in time');
			return;
		}
		const inProcess = [...readFileSync(frames, 'utf8').matchAll(/first-frame-ms=([\d.]+)/g)].map(match => Number(match[1]));
		const wall = (name: string) =>
			readFileSync(results, 'utf8')
				.split('\n')
				.filter(line => line.startsWith(`${name} `))
				.map(line => Number(line.split(' ')[1]) / 1000);
		const baseline = median(wall('baseline'));
		const frame = median(inProcess);
		console.log(`   ${'node -e 0 (baseline)'.padEnd(34)} ${baseline.toFixed(0).padStart(5)} ms wall`);
		console.log(`   ${'first frame, from process start'.padEnd(34)} ${frame.toFixed(0).padStart(5)} ms   ${(frame / baseline).toFixed(2)}x baseline   (all: ${inProcess.map(ms => ms.toFixed(0)).join(' ')})`);
		console.log(`   ${'--first-frame run, start to exit'.padEnd(34)} ${median(wall('app')).toFixed(0).padStart(5)} ms wall`);
		console.log(`   target: first frame under 250 ms${frame < 250 ? ' (met)' : ' (NOT met)'}`);
	} finally {
		// The pane's script may be done and the server gone already (exit 1).
		runProgramSync('tmux', ['-L', socket, 'kill-server'], {okExitCodes: [0, 1]});
		rmSync(path.join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid?.() ?? 0}`, socket), {force: true});
		rmSync(scratch, {recursive: true, force: true});
	}
}

type GeneratorRun = {which: string; keepAlive: boolean; answers: number; errors: number; wallMs: number; cpuMs: number; serverCpuMs: number};

async function runGenerator(which: string, url: string, connections: number, seconds: number, mode: string): Promise<GeneratorRun> {
	const {stdout} = await runProgram(process.execPath, ['--import', 'tsx', path.join('scripts', 'bench-generator.ts'), which, url, String(connections), String(seconds), mode], {
		cwd: packageRoot,
		timeoutMs: (seconds + 30) * 1000,
	});
	return {...(JSON.parse(stdout.trim().split('\n').at(-1)!) as Omit<GeneratorRun, 'serverCpuMs'>), serverCpuMs: 0};
}

/**
The kit's generator (cli/load/generator.ts) and autocannon, each in a process of
its own, take turns against one single-process node:http server: interleaved
rounds, the order swapped every round, the same connections and duration. Each
reports its own CPU during the run only (process.cpuUsage, start-up excluded).
The machine is shared, so the ratios within a round are what count.
*/
async function generators(): Promise<void> {
	const genRounds = Math.max(3, Number(process.env.BENCH_GEN_ROUNDS ?? 5));
	const seconds = Number(process.env.BENCH_GEN_SECONDS ?? 3);
	const connections = 50;
	const server = await startTrivialServer(true);
	try {
		const url = `http://127.0.0.1:${server.port}/`;
		console.log(`\n5. Load generators side by side: the kit's (raw net) vs autocannon, ${connections} connections, ${seconds} s runs, ${genRounds} interleaved rounds, one node:http server`);
		for (const mode of ['keep-alive', 'fresh']) {
			const runs: Record<string, GeneratorRun[]> = {kit: [], autocannon: []};
			const rpsRatios: number[] = [];
			const cpuRatios: number[] = [];
			for (let round = 0; round < genRounds; round++) {
				const order = round % 2 === 0 ? ['kit', 'autocannon'] : ['autocannon', 'kit'];
				for (const which of order) {
					const before = readProc(server.pid)?.cpuMs ?? 0;
					const run = await runGenerator(which, url, connections, seconds, mode);
					run.serverCpuMs = (readProc(server.pid)?.cpuMs ?? 0) - before;
					runs[which]!.push(run);
				}
				const kit = runs.kit!.at(-1)!;
				const ac = runs.autocannon!.at(-1)!;
				rpsRatios.push(kit.answers / kit.wallMs / (ac.answers / ac.wallMs));
				cpuRatios.push(kit.cpuMs / kit.answers / (ac.cpuMs / ac.answers));
			}
			console.log(`   ${mode === 'fresh' ? 'a new connection per request (autocannon: Connection: close)' : 'keep-alive'}`);
			for (const which of ['kit', 'autocannon']) {
				const list = runs[which]!;
				const rps = list.map(run => (run.answers / run.wallMs) * 1000);
				const cpuPerRequest = list.map(run => (run.cpuMs * 1000) / Math.max(run.answers, 1));
				const serverPerRequest = list.map(run => (run.serverCpuMs * 1000) / Math.max(run.answers, 1));
				const errors = list.reduce((sum, run) => sum + run.errors, 0);
				console.log(
					`     ${which.padEnd(11)} ${Math.round(median(rps)).toString().padStart(6)} req/s (${rps.map(value => Math.round(value)).join(' ')})   generator ${median(cpuPerRequest).toFixed(1).padStart(5)} µs CPU/req   server ${median(serverPerRequest).toFixed(1).padStart(5)} µs CPU/req   errors ${errors}`,
				);
			}
			const rpsRatio = median(rpsRatios);
			const cpuRatio = median(cpuRatios);
			console.log(`     kit / autocannon, same round: req/s ${rpsRatio.toFixed(2)}x (${rpsRatios.map(value => value.toFixed(2)).join(' ')})   CPU per request ${cpuRatio.toFixed(2)}x (${cpuRatios.map(value => value.toFixed(2)).join(' ')})`);
			console.log(`     goal: req/s >= 1.00x ${rpsRatio >= 1 ? '(met)' : '(NOT met)'}, CPU per request <= 1.00x ${cpuRatio <= 1 ? '(met)' : '(NOT met)'}`);
		}
	} finally {
		await server.stop();
	}
}

const only = process.argv[2];
const want = (name: string) => only === undefined || only === name;
console.log(`node-cluster-lab bench: node ${process.version}, ${process.platform}, ${os.cpus().length} cores, load average ${os.loadavg().map(load => load.toFixed(1)).join(' ')}`);
if (want('startup')) startup();
if (want('checkers')) checkers();
if (want('load')) await loadGenerator();
if (want('first-frame')) await firstFrame();
if (want('generators')) await generators();
