import {UserError, type Command} from '../command.js';
import {lockedMessage, readSolution, solutionLock} from '../solutions.js';
import {chosenLab, requireWorkspace} from './context.js';
import {t} from '../i18n/index.js';

export const solutionCommand: Command = {
	name: 'solution',
	summary: 'print a lab\'s reference solution (after you pass)',
	usage: 'solution [lab] [--force]',
	help: [
		'Prints the reference solution of a lab you have passed, to compare notes.',
		'',
		'  --force   show it before you have passed',
		'',
		'An instructor can lock solutions for a workshop: NCL_LOCK_SOLUTIONS=1 in the environment,',
		'or "solutionsLocked": true in node-cluster-lab.json. --force does not open the lock.',
		'In a workshop (see the workshop command) each lab\'s solution opens with the code your',
		'instructor reads out: npx node-cluster-lab unlock <code>.',
	].join('\n'),
	options: {dir: {type: 'string'}, force: {type: 'boolean'}},
	async run({values, positionals}, io) {
		const workspace = requireWorkspace(io, values.dir);
		const lab = chosenLab(positionals, workspace, io.cwd);
		const lock = solutionLock(io.env, workspace, lab.id);
		if (lock) throw new UserError(lockedMessage(lock, lab.id));
		// A lab the instructor opened with a workshop code is shown to everyone, passed or not.
		const opened = workspace.state.unlocked?.includes(lab.id) && workspace.state.workshop?.solutions[lab.id] !== undefined;
		if (workspace.progress(lab.id)?.status !== 'passed' && !values.force && !opened) {
			throw new UserError(t().solutionNotPassed(lab.id));
		}
		for (const {file, content} of readSolution(lab)) io.out(`// ===== solutions/${lab.id}/${file} =====\n${content}`);
		return 0;
	},
};
