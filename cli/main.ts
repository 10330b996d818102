import {createInterface} from 'node:readline/promises';
import {parseArgs} from 'node:util';
import {parseCommandArgs, UsageError, UserError, type Command, type Io} from './command.js';
import {colourOff, noTerminalMessage, noTerminalReason} from './app/terminal.js';
import {kitVersion} from './paths.js';
import {killAllLabGroups} from './harness/lab-groups.js';
import {findWorkspace, WorkspaceError} from './workspace.js';
import {LangError, resolveLang, setLang} from './i18n/lang.js';
import path from 'node:path';

const BIN = 'node-cluster-lab';


/**
The commands, loaded only when one runs or the help lists them: they bring the
checkers and undici (~40 ms), which neither --version nor the app's first frame
needs (nor does `list`: a named command loads its own module only).
*/
async function loadCommands(): Promise<Command[]> {
	return (await import('./commands/index.js')).loadAllCommands();
}

/** One command's module only: `list` need not compile the checkers. */
async function loadCommand(name: string): Promise<Command | undefined> {
	return (await import('./commands/index.js')).loadCommand(name);
}

function mainHelp(commands: Command[]): string {
	const width = Math.max(...commands.map(command => command.name.length));
	return [
		`${BIN} ${kitVersion()}: labs on serving HTTP from many Node.js processes`,
		'',
		`usage: ${BIN} <command> [options]`,
		`       ${BIN} [--dir <workspace>]   the interactive app (needs a terminal)`,
		'',
		'commands:',
		...commands.map(command => `  ${command.name.padEnd(width)}  ${command.summary}`),
		'',
		`Run '${BIN} <command> --help' for a command's options.`,
		'Language: --lang en|zh-CN on any command or the app, else NCL_LANG, else the locale (LANG=zh_CN… means zh-CN).',
	].join('\n');
}

/**
The language for this run (cli/i18n/lang.ts): --lang, NCL_LANG, the choice saved
in the workspace (found from --dir or the cwd), the locale. False after printing
the one-line error for a --lang or NCL_LANG that names no language.
*/
function chooseLanguage(io: Io, flag: unknown, dir: unknown): boolean {
	let saved: string | undefined;
	try {
		saved = findWorkspace(typeof dir === 'string' ? path.resolve(io.cwd, dir) : io.cwd)?.state.lang;
	} catch {
		// A broken node-cluster-lab.json is reported by the command that reads it.
	}
	try {
		setLang(resolveLang({flag: typeof flag === 'string' ? flag : undefined, env: io.env, saved}));
		return true;
	} catch (error) {
		if (!(error instanceof LangError)) throw error;
		io.err(`${BIN}: ${error.message}`);
		return false;
	}
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

/**
No command: the Ink app, in the workspace found upwards from the cwd (or
--dir). Without a terminal it says which command to run instead.
--first-frame (not in the help) prints the ms from process start to the first
frame and exits, for the start-up benchmark.
*/
async function app(argv: string[], io: Io): Promise<number> {
	let values: {dir?: string; 'first-frame'?: boolean; lang?: string};
	try {
		({values} = parseArgs({args: argv, options: {dir: {type: 'string'}, 'first-frame': {type: 'boolean'}, lang: {type: 'string'}}, strict: true, allowPositionals: false}));
	} catch (error) {
		io.err(`${BIN}: ${(error as Error).message.replace(/\. To specify a positional argument.*$/s, '')}\n\n${mainHelp(await loadCommands())}`);
		return 2;
	}
	if (!chooseLanguage(io, values.lang, values.dir)) return 2;
	const reason = noTerminalReason(io.env, io.stdinIsTty, io.stdoutIsTty);
	if (reason) {
		io.err(noTerminalMessage(BIN, reason));
		return 1;
	}
	// chalk, under Ink and marked-terminal, reads FORCE_COLOR once, when it is first imported (below).
	if (colourOff(io.env)) process.env.FORCE_COLOR = '0';
	exitOnSignals();
	let code: number;
	try {
		const {launchApp} = await import('./app/launch.js');
		code = await launchApp({cwd: io.cwd, dir: values.dir, firstFrame: values['first-frame'] === true, env: io.env, out: io.out, err: io.err});
	} catch (error) {
		if (error instanceof UserError || error instanceof WorkspaceError) {
			io.err(`${BIN}: ${error.message}`);
			code = 1;
		} else {
			const detail = process.env.NCL_DEBUG ? `\n${(error as Error).stack}` : '\n(set NCL_DEBUG=1 to see where, and please report it)';
			io.err(`${BIN}: internal error: ${(error as Error).message}${detail}`);
			code = 70;
		}
	}
	// Every process the app started is stopped by now: exit once both streams are flushed, whatever
	// handle (stdin in raw mode, a timer in a library) might still hold the event loop.
	let pending = 2;
	const flushed = () => --pending === 0 && process.exit(code);
	process.stdout.write('', flushed);
	process.stderr.write('', flushed);
	return code;
}

async function main(argv: string[]): Promise<number> {
	const io = makeIo();
	const [name, ...rest] = argv;
	if (name === '--version' || name === '-v' || name === 'version') {
		io.out(kitVersion());
		return 0;
	}
	if (name === undefined || (name.startsWith('-') && name !== '--help' && name !== '-h')) return app(argv, io);
	if (name === '--help' || name === '-h' || name === 'help') {
		const commands = await loadCommands();
		const topic = name === 'help' ? commands.find(command => command.name === rest[0]) : undefined;
		if (name === 'help' && rest[0] !== undefined && !topic) {
			io.err(`${BIN}: no command '${rest[0]}'\n\n${mainHelp(commands)}`);
			return 2;
		}
		io.out(topic ? commandHelp(topic) : mainHelp(commands));
		return 0;
	}
	const command = await loadCommand(name);
	if (!command) {
		io.err(`${BIN}: unknown command '${name}'\n\n${mainHelp(await loadCommands())}`);
		return 2;
	}
	try {
		const args = parseCommandArgs(command, rest);
		if (!chooseLanguage(io, args.values.lang, args.values.dir)) return 2;
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
