/**
Opens the Ink app: finds the workspace (upwards from the cwd, or --dir), runs
the app until the learner quits, and makes sure nothing it started survives.
Loaded with import() by main.ts, so Ink stays out of every other command.
*/
import {existsSync} from 'node:fs';
import path from 'node:path';
import {setTimeout as delay} from 'node:timers/promises';
import {UserError} from '../command.js';
import {createWorkspace, installAdvice} from '../create-workspace.js';
import {killAllLabGroups} from '../harness/lab-groups.js';
import {renderApp} from '../ui/render.js';
import {findWorkspace, STATE_FILE, Workspace} from '../workspace.js';
import {AppSession} from './session.js';
import {t} from '../i18n/index.js';

export type LaunchOptions = {
	cwd: string;
	/** --dir: the workspace to open. */
	dir?: string;
	firstFrame: boolean;
	env: Record<string, string | undefined>;
	out: (text: string) => void;
	err: (text: string) => void;
};

/** How long quitting may wait for a run to end its processes before killing their groups outright. */
const STOP_WITHIN_MS = 8000;

function workspaceFor(options: LaunchOptions): Workspace | undefined {
	if (options.dir === undefined) return findWorkspace(options.cwd);
	const root = path.resolve(options.cwd, options.dir);
	if (!existsSync(path.join(root, STATE_FILE))) {
		throw new UserError(`--dir ${options.dir}: not a workspace (no ${STATE_FILE} there). Create one with: npx node-cluster-lab init ${options.dir}`);
	}
	return new Workspace(root);
}

async function stop(session: AppSession | undefined): Promise<void> {
	// An unreferenced timer: once close() wins the race, it must not keep the process alive.
	await Promise.race([session?.close(), delay(STOP_WITHIN_MS, undefined, {ref: false})]);
	// The last resort: every group this process started, whatever state the run is in.
	killAllLabGroups();
}

/** The line printed once the app has quit (on the shell's screen): where you stand, and what to do in a workspace it created. */
export function farewell(state: {root: string; passed: number; labs: readonly unknown[]}, cwd: string, created?: string): string {
	const where = path.relative(cwd, state.root);
	const line = t().app.farewell(t().labsPassed(state.passed, state.labs.length), where);
	return created === undefined ? line : `${line}\n${installAdvice(created)}`;
}

export async function launchApp(options: LaunchOptions): Promise<number> {
	const workspace = workspaceFor(options);
	let created: string | undefined;
	const open = (found: Workspace) => new AppSession({workspace: found, env: options.env, created});
	const outcome = await renderApp({
		session: workspace ? open(workspace) : undefined,
		cwd: options.cwd,
		createSession: name => {
			const made = createWorkspace(path.resolve(options.cwd, name), name);
			if (made.created) created = name;
			return open(new Workspace(made.root));
		},
		stop,
		firstFrame: options.firstFrame,
	});
	await stop(outcome.session);
	if (outcome.firstFrameMs !== undefined) {
		options.err(`first-frame-ms=${outcome.firstFrameMs.toFixed(1)}`);
		return 0;
	}
	const state = outcome.session?.getSnapshot();
	if (state) options.out(farewell(state, options.cwd, created));
	return 0;
}
