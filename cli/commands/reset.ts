import path from 'node:path';
import {UserError, type Command} from '../command.js';
import {startersDir} from '../paths.js';
import {chosenLab, requireWorkspace} from './context.js';
import {t} from '../i18n/index.js';

export const resetCommand: Command = {
	name: 'reset',
	summary: 'restore a lab\'s starter code (your files are backed up first)',
	usage: 'reset <lab> [--yes]',
	help: 'Copies your labs/<lab> folder to .node-cluster-lab/backups/<lab>-<time>/, then puts the starter back.\nAsks first; without a terminal, pass --yes.\n\n  --yes   do not ask',
	options: {dir: {type: 'string'}, yes: {type: 'boolean', short: 'y'}},
	async run({values, positionals}, io) {
		const words = t();
		if (positionals.length === 0) throw new UserError(words.resetName);
		const workspace = requireWorkspace(io, values.dir);
		const lab = chosenLab(positionals, workspace);
		if (!values.yes) {
			if (!io.stdinIsTty) throw new UserError(words.resetNoTerminal(lab.id));
			if (!(await io.confirm(words.resetAsk(lab.id)))) {
				io.out(words.resetNothing);
				return 1;
			}
		}
		const backup = workspace.reset(lab.id, path.join(startersDir, lab.id));
		io.out(words.app.notices.resetDone(lab.id, backup ? path.relative(io.cwd, backup) : ''));
		return 0;
	},
};
