import path from 'node:path';
import {UserError, type Command} from '../command.js';
import {createWorkspace, DEFAULT_WORKSPACE_NAME} from '../create-workspace.js';
import {STATE_FILE} from '../workspace.js';

export const initCommand: Command = {
	name: 'init',
	summary: 'create a workspace with every lab\'s starter code',
	usage: 'init [folder]',
	help: [
		`Creates a workspace in <folder> (default: ${DEFAULT_WORKSPACE_NAME}):`,
		'  labs/<id>/                     starter code with // TODO: markers, one folder per lab',
		'  README.md                      how to work through the labs',
		`  ${STATE_FILE.padEnd(30)} your progress (plain JSON)`,
		'  package.json                   "npm test" runs every checker',
		'  .github/workflows/labs.yml     runs the checkers on push: annotations, JUnit, JSON for `report`',
		'The folder must be new or empty.',
	].join('\n'),
	options: {},
	async run({positionals}, io) {
		if (positionals.length > 1) throw new UserError(`init takes one folder, got ${positionals.length}`);
		const name = positionals[0] ?? DEFAULT_WORKSPACE_NAME;
		const {created, labs} = createWorkspace(path.resolve(io.cwd, name), name);
		if (!created) {
			io.out(`${name} is already a workspace; nothing changed.`);
			return 0;
		}
		io.out(
			[
				`Created ${name} with ${labs.length} lab${labs.length === 1 ? '' : 's'}.`,
				'',
				'Next:',
				`  cd ${name}`,
				`  ${'npm install'.padEnd(36)} # the kit, locally: npx then works offline`,
				`  ${`npx node-cluster-lab lesson ${labs[0]?.id ?? ''}`.padEnd(36)} # read the first lesson`,
				`  ${'npx node-cluster-lab verify'.padEnd(36)} # check your work on the current lab`,
			].join('\n'),
		);
		return 0;
	},
};
