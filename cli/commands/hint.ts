import type {Command} from '../command.js';
import {hintsShown, recordHintsShown} from '../hints.js';
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
		lab.hints.slice(0, show).forEach((hint, index) => io.out(`Hint ${index + 1} of ${lab.hints.length}: ${hint}\n`));
		if (show >= lab.hints.length) io.out(`That was the last hint. After you pass, 'npx node-cluster-lab solution ${lab.id}' shows the reference.`);
		else io.out(`Run 'npx node-cluster-lab hint ${lab.id}' again for the next one.`);
		recordHintsShown(workspace, lab, show);
		return 0;
	},
};
