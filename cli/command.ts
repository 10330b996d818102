import {parseArgs, type ParseArgsConfig} from 'node:util';

/** A mistake in how the command was called: printed with the usage, exit code 2. */
export class UsageError extends Error {}

/** A problem the user can fix (no workspace, unknown lab…): printed plainly, exit code 1. */
export class UserError extends Error {}

export type Io = {
	out: (text: string) => void;
	err: (text: string) => void;
	cwd: string;
	env: Record<string, string | undefined>;
	stdoutIsTty: boolean;
	stdinIsTty: boolean;
	/** Ask a yes/no question on the terminal; only called when stdinIsTty. */
	confirm: (question: string) => Promise<boolean>;
};

export type Command = {
	name: string;
	/** One line for the command list. */
	summary: string;
	/** e.g. "verify [lab...] [--all] [--reporter name[=file]]" */
	usage: string;
	/** Longer help: what it does and each option. */
	help: string;
	options: NonNullable<ParseArgsConfig['options']>;
	run: (args: {values: Record<string, unknown>; positionals: string[]}, io: Io) => Promise<number>;
};

export function parseCommandArgs(command: Command, argv: string[]): {values: Record<string, unknown>; positionals: string[]} {
	try {
		// --lang <en|zh-CN> on every command (main.ts reads it before the command runs).
		const {values, positionals} = parseArgs({args: argv, options: {...command.options, help: {type: 'boolean', short: 'h'}, lang: {type: 'string'}}, allowPositionals: true, strict: true});
		return {values, positionals};
	} catch (error) {
		// node:util's messages are good ("Unknown option '--foo'"); drop its advice to use "--" which doesn't apply.
		throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
	}
}
