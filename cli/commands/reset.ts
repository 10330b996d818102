import path from 'node:path';
import {UserError, type Command} from '../command.js';
import {startersDir} from '../paths.js';
import {chosenLab, requireWorkspace} from './context.js';

export const resetCommand: Command = {
	name: 'reset',
	summary: 'restore a lab\'s starter code (your files are backed up first)',
	usage: 'reset <lab> [--yes]',
	help: 'Copies your labs/<lab> folder to .node-cluster-lab/backups/<lab>-<time>/, then puts the starter back.\nAsks first; without a terminal, pass --yes.\n\n  --yes   do not ask',
	options: {dir: {type: 'string'}, yes: {type: 'boolean', short: 'y'}},
	async run({values, positionals}, io) {
		if (positionals.length === 0) throw new UserError('name the lab to reset, e.g. npx node-cluster-lab reset 01-ipc');
		const workspace = requireWorkspace(io, values.dir);
		const lab = chosenLab(positionals, workspace);
		if (!values.yes) {
			if (!io.stdinIsTty) throw new UserError(`reset replaces labs/${lab.id}; without a terminal to ask, pass --yes.`);
			if (!(await io.confirm(`Replace labs/${lab.id} with the starter? Your files are backed up first.`))) {
				io.out('Nothing changed.');
				return 1;
			}
		}
		const backup = workspace.reset(lab.id, path.join(startersDir, lab.id));
		io.out(`labs/${lab.id} is the starter again.${backup ? ` Your files are in ${path.relative(io.cwd, backup)}` : ''}`);
		return 0;
	},
};
