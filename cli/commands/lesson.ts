import {lessonBody} from '../catalog.js';
import type {Command} from '../command.js';
import {t} from '../i18n/index.js';
import {chosenLab, resolveTarget} from './context.js';

export const lessonCommand: Command = {
	name: 'lesson',
	summary: 'print a lab\'s lesson (Markdown)',
	usage: 'lesson [lab]',
	help: 'Prints the lesson of <lab> (default: the lab whose folder you are in, else the current lab) as Markdown: the contract its checker enforces, what it measures, and the pitfalls.',
	options: {dir: {type: 'string'}},
	async run({values, positionals}, io) {
		const lab = chosenLab(positionals, resolveTarget(io, values.dir)?.workspace, io.cwd);
		const body = lessonBody(lab);
		// Asked for in another language, but that lesson has no translation yet: say so on one line, then the English.
		if (lab.missingTwin) io.err(t().missingTwin(lab.id));
		// Most lessons open with their own "# Title"; don't print it twice.
		io.out(/^\s*# /.test(body) ? body.replace(/^\s+/, '') : `# ${lab.title}\n${body}`);
		return 0;
	},
};
