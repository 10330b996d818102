import {mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {copyTree} from '../../../cli/fs-safe.js';
import {startersDir} from '../../../cli/paths.js';
import {Workspace, writeInitialState} from '../../../cli/workspace.js';

const roots: string[] = [];

/** A workspace in a temp folder with lab 01-ipc's starter (the labs the tests use), current lab 01-ipc. */
export function tempWorkspace(): Workspace {
	const root = mkdtempSync(path.join(os.tmpdir(), 'ncl-app-'));
	roots.push(root);
	copyTree(path.join(startersDir, '01-ipc'), path.join(root, 'labs', '01-ipc'));
	writeInitialState(root, '0.0.0-test', '01-ipc');
	return new Workspace(root);
}

export function removeTempWorkspaces(): void {
	for (const root of roots.splice(0)) rmSync(root, {recursive: true, force: true});
}
