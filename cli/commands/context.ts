import {existsSync} from 'node:fs';
import path from 'node:path';
import {findLab, loadCatalog, type Lab} from '../catalog.js';
import {UsageError, UserError, type Io} from '../command.js';
import {findWorkspace, STATE_FILE, Workspace} from '../workspace.js';

/** Where lab folders live for this call: a workspace, or any folder laid out like labs/. */
export type Target = {workspace?: Workspace; labsRoot: string};

/**
--dir names either a workspace (it has node-cluster-lab.json) or a folder laid
out like labs/ (verify only; no progress is recorded there). Without --dir, the
workspace is found from the current folder upwards.
*/
export function resolveTarget(io: Io, dir: unknown): Target | undefined {
	if (typeof dir === 'string') {
		const absolute = path.resolve(io.cwd, dir);
		if (!existsSync(absolute)) throw new UserError(`--dir ${dir}: no such folder`);
		if (existsSync(path.join(absolute, STATE_FILE))) {
			const workspace = new Workspace(absolute);
			return {workspace, labsRoot: workspace.labsDir};
		}
		return {labsRoot: absolute};
	}
	const workspace = findWorkspace(io.cwd);
	return workspace ? {workspace, labsRoot: workspace.labsDir} : undefined;
}

export function requireWorkspace(io: Io, dir: unknown): Workspace {
	const target = resolveTarget(io, dir);
	if (!target?.workspace) {
		throw new UserError(`no workspace here (no ${STATE_FILE} in ${io.cwd} or above).\nCreate one with: npx node-cluster-lab init my-labs`);
	}
	return target.workspace;
}

/**
The lab of that id. A name typed on the command line that is no lab is a usage
error (exit 2, with the usage line); `from: 'workspace'` is for an id read from
node-cluster-lab.json, a problem with the file (exit 1).
*/
export function labOrThrow(id: string, from: 'command line' | 'workspace' = 'command line'): Lab {
	const lab = findLab(id);
	if (lab) return lab;
	const message = `unknown lab '${id}'. Labs: ${loadCatalog().map(known => known.id).join(', ')}`;
	throw from === 'command line' ? new UsageError(message) : new UserError(message);
}

/** The lab whose folder `cwd` is in (labs/<id> or below, in that workspace), if any. */
export function labHere(cwd: string, workspace: Workspace | undefined): Lab | undefined {
	if (!workspace) return undefined;
	const relative = path.relative(workspace.labsDir, path.resolve(cwd));
	if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
	return findLab(relative.split(path.sep)[0]!);
}

/** The lab named on the command line, else the lab whose folder you stand in, else the workspace's current lab, else the first. */
export function chosenLab(positionals: string[], workspace: Workspace | undefined, cwd?: string): Lab {
	if (positionals[0]) return labOrThrow(positionals[0]);
	const here = cwd === undefined ? undefined : labHere(cwd, workspace);
	if (here) return here;
	const current = workspace?.state.current;
	return current ? labOrThrow(current, 'workspace') : loadCatalog()[0]!;
}
