import {readFileSync} from 'node:fs';
import net from 'node:net';
import type {Command} from '../command.js';
import {findNginx, nginxInstallLines, nginxVersion} from '../harness/nginx.js';
import {pickFreePort} from '../harness/ports.js';
import {ProgramError, runProgram} from '../harness/run-program.js';
import {tsxLoaderUrl} from '../paths.js';
import {resolveTarget} from './context.js';
import {t} from '../i18n/index.js';
import {padEndToWidth} from '../i18n/width.js';

type Verdict = 'ok' | 'warn' | 'fail';
type Finding = {verdict: Verdict; what: string; detail: string; fix?: string};

const MINIMUM = [20, 18, 1] as const;

function nodeVersionFinding(): Finding {
	const [major, minor, patch] = process.versions.node.split('.').map(Number) as [number, number, number];
	const ok = major > MINIMUM[0] || (major === MINIMUM[0] && (minor > MINIMUM[1] || (minor === MINIMUM[1] && patch >= MINIMUM[2])));
	const words = t().doctor;
	return ok
		? {verdict: 'ok', what: 'Node.js', detail: words.nodeOk(process.version)}
		: {verdict: 'fail', what: 'Node.js', detail: words.nodeOld(process.version, MINIMUM.join('.')), fix: words.nodeFix};
}

function procFinding(): Finding {
	const words = t().doctor;
	if (process.platform !== 'linux') {
		return {verdict: 'fail', what: '/proc', detail: words.procNone(process.platform), fix: words.procFixPlatform};
	}
	try {
		readFileSync('/proc/self/stat');
		readFileSync('/proc/net/tcp');
		return {verdict: 'ok', what: '/proc', detail: words.procOk};
	} catch (error) {
		return {verdict: 'fail', what: '/proc', detail: (error as Error).message, fix: words.procFix};
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
	const words = t().doctor;
	try {
		const port = await pickFreePort();
		// Labs emulate distinct clients from other 127.x.y.z addresses.
		const extra = await bindsOn('127.0.2.3');
		return extra
			? {verdict: 'ok', what: 'loopback', detail: words.loopbackOk(port)}
			: {verdict: 'warn', what: 'loopback', detail: words.loopbackWarn(port), fix: words.loopbackWarnFix};
	} catch (error) {
		return {verdict: 'fail', what: 'loopback', detail: (error as Error).message, fix: words.loopbackFix};
	}
}

function tsxFinding(): Finding {
	try {
		return {verdict: 'ok', what: 'tsx', detail: t().doctor.tsxOk(new URL(tsxLoaderUrl).pathname)};
	} catch (error) {
		return {verdict: 'fail', what: 'tsx', detail: (error as Error).message, fix: t().doctor.tsxFix};
	}
}

/** How long `nginx -v` may take: it answers at once, unless something is badly wrong. */
const PROBE_TIMEOUT_MS = 5000;

/** nginx, found where lab 10 looks for it (PATH, then /usr/sbin and the like, or NCL_NGINX), and asked its version. */
async function nginxFinding(): Promise<Finding> {
	const fix = nginxInstallLines.join(`\n${' '.repeat(21)}`);
	const binary = findNginx();
	if (!binary) return {verdict: 'warn', what: 'nginx', detail: t().doctor.nginxMissing, fix};
	try {
		// nginx prints its version on stderr.
		const {stdout, stderr} = await runProgram(binary, ['-v'], {timeoutMs: PROBE_TIMEOUT_MS});
		const banner = (stderr || stdout).trim().replace(/^nginx version: /, '') || 'installed';
		return {verdict: 'ok', what: 'nginx', detail: t().doctor.nginxOk(banner, binary)};
	} catch (error) {
		if (!(error instanceof ProgramError)) throw error;
		return {verdict: 'warn', what: 'nginx', detail: error.message, fix: t().doctor.nginxFix};
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
		const words = t().doctor;
		let workspaceLine: string;
		try {
			const workspace = resolveTarget(io, values.dir)?.workspace;
			workspaceLine = workspace ? words.workspace(workspace.root) : words.noWorkspace;
		} catch (error) {
			workspaceLine = words.workspaceProblem((error as Error).message);
		}
		const mark: Record<Verdict, string> = {ok: 'ok  ', warn: 'warn', fail: 'FAIL'};
		for (const finding of findings) {
			io.out(`${mark[finding.verdict]}  ${finding.what.padEnd(9)} ${finding.detail}`);
			if (finding.fix && finding.verdict !== 'ok') io.out(`      ${' '.repeat(9)} ${padEndToWidth(words.fix, 5)}${finding.fix}`);
		}
		io.out(workspaceLine);
		return findings.some(finding => finding.verdict === 'fail') ? 1 : 0;
	},
};
