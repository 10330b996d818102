import type {Command} from '../command.js';

/**
Each command's module, loaded only when it runs (or the help lists them all):
verify, load and trace bring the checkers and undici, which `list` or `hint`
never need. In the order `--help` lists them: the learner's loop first.
*/
const loaders: Record<string, () => Promise<Command>> = {
	init: async () => (await import('./init.js')).initCommand,
	list: async () => (await import('./list.js')).listCommand,
	lesson: async () => (await import('./lesson.js')).lessonCommand,
	verify: async () => (await import('./verify.js')).verifyCommand,
	hint: async () => (await import('./hint.js')).hintCommand,
	solution: async () => (await import('./solution.js')).solutionCommand,
	reset: async () => (await import('./reset.js')).resetCommand,
	doctor: async () => (await import('./doctor.js')).doctorCommand,
	load: async () => (await import('./load.js')).loadCommand,
	bench: async () => (await import('./bench.js')).benchCommand,
	trace: async () => (await import('./trace.js')).traceCommand,
	report: async () => (await import('./report.js')).reportCommand,
	workshop: async () => (await import('./workshop.js')).workshopCommand,
	unlock: async () => (await import('./unlock.js')).unlockCommand,
};

/** The command called `name`, or undefined when there is none. */
export async function loadCommand(name: string): Promise<Command | undefined> {
	return Object.hasOwn(loaders, name) ? loaders[name]!() : undefined;
}

/** Every command, for the help. */
export async function loadAllCommands(): Promise<Command[]> {
	return Promise.all(Object.values(loaders).map(load => load()));
}
