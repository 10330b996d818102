import type {Command} from '../command.js';
import {hintsShown, recordHintsShown} from '../hints.js';
import {t} from '../i18n/index.js';
import {chosenLab, requireWorkspace} from './context.js';

export const hintCommand: Command = {
	name: 'hint',
	summary: 'show the next hint for a lab',
	usage: 'hint [lab] [--all]',
	help: 'Shows the hints seen so far plus one more, from a nudge to nearly the answer. The workspace remembers how many you have seen.\n\n  --all   show every hint at once',
	options: {dir: {type: 'string'}, all: {type: 'boolean'}},
	async run({values, positionals}, io) {
		const workspace = requireWorkspace(io, values.dir);
		const lab = chosenLab(positionals, workspace, io.cwd);
		const seen = hintsShown(workspace, lab);
		const show = values.all ? lab.hints.length : Math.min(seen + 1, lab.hints.length);
		const words = t();
		lab.hints.slice(0, show).forEach((hint, index) => io.out(`${words.hintLine(index + 1, lab.hints.length, hint)}\n`));
		io.out(show >= lab.hints.length ? words.hintLast(lab.id) : words.hintNext(lab.id));
		recordHintsShown(workspace, lab, show);
		return 0;
	},
};
