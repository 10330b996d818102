import {existsSync, readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

export const mutantsDir = fileURLToPath(new URL('../mutants', import.meta.url));

/** A known-wrong implementation and the step that must reject it. */
export type Mutant = {
	lab: string;
	name: string;
	dir: string;
	/** The step id that must fail. */
	rejectedBy: string;
	/** What is wrong, in one sentence. */
	mistake: string;
	/** The failure message must match this (case-insensitive), so it names the mistake. */
	messageMatches: string;
	/** Only a checker running as root can catch it (e.g. a privilege drop): CI runs as root. */
	requiresRoot?: boolean;
};

export function mutantsOf(lab: string): Mutant[] {
	const root = path.join(mutantsDir, lab);
	if (!existsSync(root)) return [];
	return readdirSync(root, {withFileTypes: true})
		.filter(entry => entry.isDirectory())
		.map(entry => {
			const dir = path.join(root, entry.name);
			const meta = JSON.parse(readFileSync(path.join(dir, 'mutant.json'), 'utf8')) as Omit<Mutant, 'lab' | 'name' | 'dir'>;
			return {lab, name: entry.name, dir, ...meta};
		});
}
