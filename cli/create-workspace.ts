import {existsSync, mkdirSync, readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {loadCatalog, type Lab} from './catalog.js';
import {UserError} from './command.js';
import {copyTree, writeFileAtomic} from './fs-safe.js';
import {kitVersion, startersDir, templatesDir} from './paths.js';
import {STATE_FILE, writeInitialState} from './workspace.js';

/** The folder `init` (and the app, outside a workspace) suggests. */
export const DEFAULT_WORKSPACE_NAME = 'node-cluster-labs';

export type CreatedWorkspace = {
	root: string;
	/** False when root already was a workspace (nothing was written). */
	created: boolean;
	labs: Lab[];
};

export {kitVersion};

/**
What to do in a workspace just created by the app (init prints its own list):
install the kit there. Until then `npx node-cluster-lab` asks npm for the
package each time (seconds of spinner before the first frame), and the
lessons' `npx tsx main.ts` has no local tsx.
*/
export function installAdvice(name: string): string {
	const where = /^[\w./-]+$/.test(name) ? name : JSON.stringify(name);
	return `Next, in a terminal: cd ${where} && npm install (the kit, locally: npx node-cluster-lab then starts without asking npm's registry, offline too, and the lessons' npx tsx works).`;
}

/**
Create a workspace in `root`: every lab's starter, the README, the progress
file, package.json and the CI workflow. `root` must be new or empty; an
existing workspace is left as it is.
*/
export function createWorkspace(root: string, label = root): CreatedWorkspace {
	const labs = loadCatalog();
	if (existsSync(path.join(root, STATE_FILE))) return {root, created: false, labs};
	if (existsSync(root) && readdirSync(root).length > 0) {
		throw new UserError(`${label} exists and is not empty; choose a new folder so none of your files are overwritten.`);
	}
	mkdirSync(root, {recursive: true});
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
	return {root, created: true, labs};
}
