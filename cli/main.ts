import {readFileSync} from 'node:fs';
import path from 'node:path';
import {createInterface} from 'node:readline/promises';
import {parseCommandArgs, UsageError, UserError, type Command, type Io} from './command.js';
import {commands} from './commands/index.js';
import {packageRoot} from './paths.js';
import {killAllLabGroups} from './harness/lab-process.js';
import {WorkspaceError} from './workspace.js';

const BIN = 'node-cluster-lab';

function version(): string {
	return (JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as {version: string}).version;
}

function mainHelp(): string {
	const width = Math.max(...commands.map(command => command.name.length));
	return [
		`${BIN} ${version()}: labs on serving HTTP from many Node.js processes`,
		'',
		`usage: ${BIN} <command> [options]`,
		'',
		'commands:',
		...commands.map(command => `  ${command.name.padEnd(width)}  ${command.summary}`),
		'',
		`Run '${BIN} <command> --help' for a command's options.`,
	].join('\n');
}

function commandHelp(command: Command): string {
	return [`usage: ${BIN} ${command.usage}`, '', command.help].join('\n');
}

function makeIo(): Io {
	return {
		out: text => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
		err: text => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
		cwd: process.cwd(),
		env: process.env,
		stdoutIsTty: Boolean(process.stdout.isTTY),
		stdinIsTty: Boolean(process.stdin.isTTY),
		async confirm(question) {
			const rl = createInterface({input: process.stdin, output: process.stdout});
			try {
				return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
			} finally {
				rl.close();
			}
		},
	};
}

/**
Ctrl-C or SIGTERM while a checker runs: end every learner process group now,
then exit with the conventional 128 + signal number. (The keepers would end the
groups anyway once our end of their lifeline closes.)
*/
function exitOnSignals(): void {
	for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
		process.on(signal, () => {
			killAllLabGroups();
			process.stderr.write(`\n${BIN}: stopped by ${signal}; every process it started has been ended.\n`);
			process.exit(code);
		});
	}
}

async function main(argv: string[]): Promise<number> {
	const io = makeIo();
	const [name, ...rest] = argv;
	if (name === '--version' || name === '-v' || name === 'version') {
		io.out(version());
		return 0;
	}
	if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
		const topic = name === 'help' ? commands.find(command => command.name === rest[0]) : undefined;
		if (name === 'help' && rest[0] !== undefined && !topic) {
			io.err(`${BIN}: no command '${rest[0]}'\n\n${mainHelp()}`);
			return 2;
		}
		io.out(topic ? commandHelp(topic) : mainHelp());
		return 0;
	}
	const command = commands.find(candidate => candidate.name === name);
	if (!command) {
		io.err(`${BIN}: unknown command '${name}'\n\n${mainHelp()}`);
		return 2;
	}
	try {
		const args = parseCommandArgs(command, rest);
		if (args.values.help) {
			io.out(commandHelp(command));
			return 0;
		}
		exitOnSignals();
		return await command.run(args, io);
	} catch (error) {
		if (error instanceof UsageError) {
			io.err(`${BIN} ${command.name}: ${error.message}\nusage: ${BIN} ${command.usage}\nRun '${BIN} ${command.name} --help' for more.`);
			return 2;
		}
		// A broken node-cluster-lab.json is the user's to fix, not a kit bug.
		if (error instanceof UserError || error instanceof WorkspaceError) {
			io.err(`${BIN} ${command.name}: ${error.message}`);
			return 1;
		}
		const detail = process.env.NCL_DEBUG ? `\n${(error as Error).stack}` : '\n(set NCL_DEBUG=1 to see where, and please report it)';
		io.err(`${BIN} ${command.name}: internal error: ${(error as Error).message}${detail}`);
		return 70;
	}
}

process.exitCode = await main(process.argv.slice(2));
