import {readFileSync} from 'node:fs';
import net from 'node:net';
import type {Command} from '../command.js';
import {findNginx, nginxInstallLines, nginxVersion} from '../harness/nginx.js';
import {pickFreePort} from '../harness/ports.js';
import {ProgramError, runProgram} from '../harness/run-program.js';
import {tsxLoaderUrl} from '../paths.js';
import {resolveTarget} from './context.js';

type Verdict = 'ok' | 'warn' | 'fail';
type Finding = {verdict: Verdict; what: string; detail: string; fix?: string};

const MINIMUM = [20, 18, 1] as const;

function nodeVersionFinding(): Finding {
	const [major, minor, patch] = process.versions.node.split('.').map(Number) as [number, number, number];
	const ok = major > MINIMUM[0] || (major === MINIMUM[0] && (minor > MINIMUM[1] || (minor === MINIMUM[1] && patch >= MINIMUM[2])));
	return ok
		? {verdict: 'ok', what: 'Node.js', detail: `${process.version} (the lessons hold for Node 20, 22 and 24)`}
		: {verdict: 'fail', what: 'Node.js', detail: `${process.version} is older than ${MINIMUM.join('.')}`, fix: 'Install Node.js 20.18.1 or newer (an LTS release: 20, 22 or 24).'};
}

function procFinding(): Finding {
	if (process.platform !== 'linux') {
		return {verdict: 'fail', what: '/proc', detail: `${process.platform} has no Linux /proc`, fix: 'The checkers read /proc to see your processes and sockets. Use Linux, or WSL2 on Windows, or a Linux container.'};
	}
	try {
		readFileSync('/proc/self/stat');
		readFileSync('/proc/net/tcp');
		return {verdict: 'ok', what: '/proc', detail: 'process and socket tables are readable'};
	} catch (error) {
		return {verdict: 'fail', what: '/proc', detail: (error as Error).message, fix: 'Mount /proc (in a container: do not mask /proc/net).'};
	}
}

function bindsOn(host: string): Promise<boolean> {
	return new Promise(resolve => {
		const server = net.createServer();
		server.once('error', () => resolve(false));
		server.listen(0, host, () => server.close(() => resolve(true)));
	});
}

async function loopbackFinding(): Promise<Finding> {
	try {
		const port = await pickFreePort();
		// Labs emulate distinct clients from other 127.x.y.z addresses.
		const extra = await bindsOn('127.0.2.3');
		return extra
			? {verdict: 'ok', what: 'loopback', detail: `free ports below 32768 (e.g. ${port}); 127.0.2.3 usable as a client address`}
			: {verdict: 'warn', what: 'loopback', detail: `port ${port} is free, but 127.0.2.3 is not usable`, fix: 'Labs that emulate many clients (ip-hash) need all of 127.0.0.0/8 on the loopback interface, as Linux has by default.'};
	} catch (error) {
		return {verdict: 'fail', what: 'loopback', detail: (error as Error).message, fix: 'Free some ports between 20000 and 32767 on 127.0.0.1.'};
	}
}

function tsxFinding(): Finding {
	try {
		return {verdict: 'ok', what: 'tsx', detail: `loader at ${new URL(tsxLoaderUrl).pathname}`};
	} catch (error) {
		return {verdict: 'fail', what: 'tsx', detail: (error as Error).message, fix: 'Reinstall node-cluster-lab: its tsx dependency runs your TypeScript.'};
	}
}

/** How long `nginx -v` may take: it answers at once, unless something is badly wrong. */
const PROBE_TIMEOUT_MS = 5000;

/** nginx, found where lab 10 looks for it (PATH, then /usr/sbin and the like, or NCL_NGINX), and asked its version. */
async function nginxFinding(): Promise<Finding> {
	const fix = nginxInstallLines.join(`\n${' '.repeat(21)}`);
	const binary = findNginx();
	if (!binary) return {verdict: 'warn', what: 'nginx', detail: 'not found on PATH nor in /usr/sbin (only lab 10-nginx needs it)', fix};
	try {
		// nginx prints its version on stderr.
		const {stdout, stderr} = await runProgram(binary, ['-v'], {timeoutMs: PROBE_TIMEOUT_MS});
		const banner = (stderr || stdout).trim().replace(/^nginx version: /, '') || 'installed';
		return {verdict: 'ok', what: 'nginx', detail: `${banner} at ${binary} (for lab 10-nginx)`};
	} catch (error) {
		if (!(error instanceof ProgramError)) throw error;
		return {verdict: 'warn', what: 'nginx', detail: error.message, fix: 'Only lab 10-nginx needs it: reinstall nginx, or put a working one first on PATH (or in NCL_NGINX).'};
	}
}

export const doctorCommand: Command = {
	name: 'doctor',
	summary: 'check that this machine can run the labs',
	usage: 'doctor',
	help: 'Checks the Node.js version, Linux /proc, free loopback ports, the TypeScript loader and nginx (for the nginx lab), and says how to fix each gap. Exit code 1 if something the labs need is missing.',
	options: {dir: {type: 'string'}},
	async run({values}, io) {
		const findings = [nodeVersionFinding(), procFinding(), await loopbackFinding(), tsxFinding(), await nginxFinding()];
		let workspaceLine: string;
		try {
			const workspace = resolveTarget(io, values.dir)?.workspace;
			workspaceLine = workspace ? `workspace: ${workspace.root}` : 'workspace: none here (npx node-cluster-lab init my-labs creates one)';
		} catch (error) {
			workspaceLine = `workspace: ${(error as Error).message}`;
		}
		const mark: Record<Verdict, string> = {ok: 'ok  ', warn: 'warn', fail: 'FAIL'};
		for (const finding of findings) {
			io.out(`${mark[finding.verdict]}  ${finding.what.padEnd(9)} ${finding.detail}`);
			if (finding.fix && finding.verdict !== 'ok') io.out(`      ${' '.repeat(9)} fix: ${finding.fix}`);
		}
		io.out(workspaceLine);
		return findings.some(finding => finding.verdict === 'fail') ? 1 : 0;
	},
};
