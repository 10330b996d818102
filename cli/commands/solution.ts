import {UserError, type Command} from '../command.js';
import {readSolution, solutionsLocked} from '../solutions.js';
import {chosenLab, requireWorkspace} from './context.js';

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
	].join('\n'),
	options: {dir: {type: 'string'}, force: {type: 'boolean'}},
	async run({values, positionals}, io) {
		const workspace = requireWorkspace(io, values.dir);
		const lab = chosenLab(positionals, workspace, io.cwd);
		if (solutionsLocked(io.env, workspace)) {
			throw new UserError('solutions are locked for this workshop. Ask your instructor, or try `npx node-cluster-lab hint`.');
		}
		if (workspace.progress(lab.id)?.status !== 'passed' && !values.force) {
			throw new UserError(`you have not passed ${lab.id} yet. Try 'npx node-cluster-lab hint ${lab.id}', or add --force to see the solution anyway.`);
		}
		for (const {file, content} of readSolution(lab)) io.out(`// ===== solutions/${lab.id}/${file} =====\n${content}`);
		return 0;
	},
};
