import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

/**
Walk up from this module to the folder holding package.json. A fixed '../..'
would break once the bundler flattens cli/ into dist/cli.js.
*/
function findPackageRoot(from: string): string {
	let dir = from;
	while (!existsSync(path.join(dir, 'package.json'))) {
		const parent = path.dirname(dir);
		if (parent === dir) throw new Error(`package.json not found above ${from}`);
		dir = parent;
	}
	return dir;
}

export const packageRoot = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));
export const lessonsDir = path.join(packageRoot, 'lessons');
export const startersDir = path.join(packageRoot, 'labs');
export const solutionsDir = path.join(packageRoot, 'solutions');
export const templatesDir = path.join(packageRoot, 'templates');
/** Every lesson's front matter, parsed at build time (see catalog.ts). */
export const frontMatterSnapshotFile = path.join(packageRoot, 'dist', 'front-matter.json');
/** Plain JS on purpose: it must start fast and without the tsx loader. */
export const keeperFile = path.join(packageRoot, 'cli', 'harness', 'keeper.mjs');

/**
Absolute file URL of tsx's ESM loader. A bare `--import tsx` resolves from the
learner's cwd and fails where it has no node_modules/tsx, as under npx.
*/
export const tsxLoaderUrl = import.meta.resolve('tsx');

/** The kit's light TypeScript loader for ES module folders (see ts-loader.mjs). */
export const tsLoaderFile = path.join(packageRoot, 'cli', 'harness', 'ts-loader.mjs');

/** The kit's own version, from its package.json (shown by --version, written into new workspaces). */
export function kitVersion(): string {
	return (JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as {version: string}).version;
}
