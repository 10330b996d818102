import {existsSync, mkdirSync, readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {loadCatalog} from '../catalog.js';
import {UserError, type Command} from '../command.js';
import {copyTree, writeFileAtomic} from '../fs-safe.js';
import {packageRoot, startersDir, templatesDir} from '../paths.js';
import {STATE_FILE, writeInitialState} from '../workspace.js';

function kitVersion(): string {
	return (JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as {version: string}).version;
}

export const initCommand: Command = {
	name: 'init',
	summary: 'create a workspace with every lab\'s starter code',
	usage: 'init [folder]',
	help: [
		'Creates a workspace in <folder> (default: node-cluster-labs):',
		'  labs/<id>/                     starter code with // TODO: markers, one folder per lab',
		'  README.md                      how to work through the labs',
		`  ${STATE_FILE.padEnd(30)} your progress (plain JSON)`,
		'  package.json                   "npm test" runs every checker',
		'  .github/workflows/labs.yml     runs the checkers on push, with annotations and JUnit',
		'The folder must be new or empty.',
	].join('\n'),
	options: {},
	async run({positionals}, io) {
		if (positionals.length > 1) throw new UserError(`init takes one folder, got ${positionals.length}`);
		const name = positionals[0] ?? 'node-cluster-labs';
		const root = path.resolve(io.cwd, name);
		if (existsSync(path.join(root, STATE_FILE))) {
			io.out(`${name} is already a workspace; nothing changed.`);
			return 0;
		}
		if (existsSync(root) && readdirSync(root).length > 0) {
			throw new UserError(`${name} exists and is not empty; choose a new folder so none of your files are overwritten.`);
		}
		mkdirSync(root, {recursive: true});
		const labs = loadCatalog();
		for (const lab of labs) copyTree(path.join(startersDir, lab.id), path.join(root, 'labs', lab.id));
		const workspaceTemplate = path.join(templatesDir, 'workspace');
		copyTree(path.join(workspaceTemplate, 'README.md'), path.join(root, 'README.md'));
		copyTree(path.join(workspaceTemplate, 'tsconfig.json'), path.join(root, 'tsconfig.json'));
		// npm never packs a file named .gitignore, so the template goes without the dot.
		copyTree(path.join(workspaceTemplate, 'gitignore'), path.join(root, '.gitignore'));
		copyTree(path.join(workspaceTemplate, '.github'), path.join(root, '.github'));
		const packageJson = readFileSync(path.join(workspaceTemplate, 'package.json'), 'utf8').replace('KIT_VERSION', kitVersion());
		writeFileAtomic(path.join(root, 'package.json'), packageJson);
		writeInitialState(root, kitVersion(), labs[0]?.id);
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
