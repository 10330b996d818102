import path from 'node:path';
import {UserError, type Command} from '../command.js';
import {createWorkspace, DEFAULT_WORKSPACE_NAME} from '../create-workspace.js';
import {STATE_FILE} from '../workspace.js';
import {t} from '../i18n/index.js';

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
		const words = t();
		if (!created) {
			io.out(words.initExists(name));
			return 0;
		}
		io.out(
			[
				words.initCreated(name, labs.length),
				'',
				words.initNext,
				`  cd ${name}`,
				`  ${'npm install'.padEnd(36)} ${words.initInstall}`,
				`  ${`npx node-cluster-lab lesson ${labs[0]?.id ?? ''}`.padEnd(36)} ${words.initLesson}`,
				`  ${'npx node-cluster-lab verify'.padEnd(36)} ${words.initVerify}`,
			].join('\n'),
		);
		return 0;
	},
};
