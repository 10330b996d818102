import {existsSync} from 'node:fs';
import path from 'node:path';
import {findLab, loadCatalog, type Lab} from '../catalog.js';
import {UserError, type Io} from '../command.js';
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

export function labOrThrow(id: string): Lab {
	const lab = findLab(id);
	if (!lab) throw new UserError(`unknown lab '${id}'. Labs: ${loadCatalog().map(known => known.id).join(', ')}`);
	return lab;
}

/** The lab named on the command line, else the workspace's current lab, else the first. */
export function chosenLab(positionals: string[], workspace: Workspace | undefined): Lab {
	if (positionals[0]) return labOrThrow(positionals[0]);
	const current = workspace?.state.current;
	return current ? labOrThrow(current) : loadCatalog()[0]!;
}
