import {UsageError, UserError, type Command} from '../command.js';
import {enterCode} from '../solutions.js';
import {requireWorkspace} from './context.js';

export const unlockCommand: Command = {
	name: 'unlock',
	summary: 'open a lab\'s solution with the code your instructor reads out',
	usage: 'unlock <code>',
	help: [
		'In a workshop, your instructor opens each lab\'s solution for the room by reading out a code,',
		'like K7M2-QX9P (case, dashes and spaces do not matter). The code is checked against your',
		'workspace\'s node-cluster-lab.json and the lab it opens is remembered there; then',
		'`npx node-cluster-lab solution <lab>` (or s in the app) shows it.',
	].join('\n'),
	options: {dir: {type: 'string'}},
	async run({values, positionals}, io) {
		if (positionals.length === 0) throw new UsageError('which code? e.g. npx node-cluster-lab unlock K7M2-QX9P');
		const workspace = requireWorkspace(io, values.dir);
		const result = enterCode(workspace, positionals.join(''));
		if ('error' in result) throw new UserError(result.error);
		io.out(`Opened the solution of ${result.opened}: npx node-cluster-lab solution ${result.opened}`);
		return 0;
	},
};
