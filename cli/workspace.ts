import {existsSync, readFileSync, rmSync} from 'node:fs';
import path from 'node:path';
import {copyTree, writeFileAtomic} from './fs-safe.js';

/** The marker and progress file at a workspace's root; plain JSON so it diffs and can be committed. */
export const STATE_FILE = 'node-cluster-lab.json';
/** Backups of the learner's files taken before every reset. */
export const BACKUPS_DIR = path.join('.node-cluster-lab', 'backups');

export type LabProgress = {
	/** The last verify's verdict. */
	status: 'passed' | 'failing';
	lastRun: string;
	passedAt?: string;
	/** How many hints the learner has seen (hints come one at a time). */
	hintsShown?: number;
};

export type WorkspaceState = {
	format: 1;
	/** The kit version that created the workspace. */
	kit: string;
	/** The lab the learner is on; `verify` with no lab name checks this one. */
	current?: string;
	/** An instructor's switch: no solution is shown, even with --force. */
	solutionsLocked?: boolean;
	/** An instructor's workshop (`workshop` command): each listed lab's solution opens with its code. */
	workshop?: {solutions: Record<string, string>};
	/** Labs whose workshop code this learner has entered (`unlock`). */
	unlocked?: string[];
	/** The language the learner chose in the app (its t key): en or zh-CN; --lang and NCL_LANG win over it. */
	lang?: string;
	labs: Record<string, LabProgress>;
};

export class WorkspaceError extends Error {}

export class Workspace {
	readonly state: WorkspaceState;

	constructor(readonly root: string) {
		const file = path.join(root, STATE_FILE);
		let parsed: unknown;
		try {
			parsed = JSON.parse(readFileSync(file, 'utf8'));
		} catch (error) {
			throw new WorkspaceError(`${file} is not valid JSON (${(error as Error).message}). Fix it by hand or restore it from git.`);
		}
		if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
			throw new WorkspaceError(`${file} should hold a JSON object (your progress), not ${JSON.stringify(parsed)}. Restore it from git, or delete it and run init again in a new folder.`);
		}
		const state = parsed as Partial<WorkspaceState>;
		const workshop = state.workshop;
		if (workshop !== undefined && !(typeof workshop === 'object' && workshop !== null && typeof workshop.solutions === 'object' && workshop.solutions !== null && Object.values(workshop.solutions).every(verifier => typeof verifier === 'string' && /^[0-9a-f]{64}$/.test(verifier)))) {
			throw new WorkspaceError(`${file}: "workshop" should be {"solutions": {"<lab>": "<64 hex digits>"}}, as the workshop command writes it. Restore it from your instructor's repository.`);
		}
		const unlocked = state.unlocked;
		if (unlocked !== undefined && !(Array.isArray(unlocked) && unlocked.every(id => typeof id === 'string'))) {
			throw new WorkspaceError(`${file}: "unlocked" should be a list of lab ids, not ${JSON.stringify(unlocked)}. Fix it by hand, or delete it and enter the codes again.`);
		}
		this.state = {format: 1, kit: String(state.kit ?? 'unknown'), current: state.current, solutionsLocked: state.solutionsLocked, workshop, unlocked, labs: state.labs ?? {}};
		if (typeof state.lang === 'string') this.state.lang = state.lang;
	}

	get labsDir(): string {
		return path.join(this.root, 'labs');
	}

	labDir(id: string): string {
		return path.join(this.labsDir, id);
	}

	progress(id: string): LabProgress | undefined {
		return this.state.labs[id];
	}

	save(): void {
		writeFileAtomic(path.join(this.root, STATE_FILE), `${JSON.stringify(this.state, null, 2)}\n`);
	}

	recordRun(id: string, passed: boolean): void {
		const now = new Date().toISOString();
		const previous = this.state.labs[id];
		this.state.labs[id] = {
			...previous,
			status: passed ? 'passed' : 'failing',
			lastRun: now,
			passedAt: passed ? (previous?.passedAt ?? now) : previous?.passedAt,
		};
		this.state.current = id;
		this.save();
	}

	/** Copy the learner's lab folder aside; returns the backup folder. */
	backup(id: string): string | undefined {
		const source = this.labDir(id);
		if (!existsSync(source)) return undefined;
		const stamp = new Date().toISOString().replace(/[:.]/g, '-');
		const target = path.join(this.root, BACKUPS_DIR, `${id}-${stamp}`);
		copyTree(source, target);
		return target;
	}

	/** Put the starter back (after a backup); the lab's progress starts over, its hints stay seen. */
	reset(id: string, starterDir: string): string | undefined {
		const saved = this.backup(id);
		rmSync(this.labDir(id), {recursive: true, force: true});
		copyTree(starterDir, this.labDir(id));
		const previous = this.state.labs[id];
		if (previous) this.state.labs[id] = {status: 'failing', lastRun: previous.lastRun, hintsShown: previous.hintsShown};
		this.save();
		return saved;
	}
}

/** The workspace containing `from` (walking up), or undefined. */
export function findWorkspace(from: string): Workspace | undefined {
	let dir = path.resolve(from);
	for (;;) {
		if (existsSync(path.join(dir, STATE_FILE))) return new Workspace(dir);
		const parent = path.dirname(dir);
		if (parent === dir) return undefined;
		dir = parent;
	}
}

export function writeInitialState(root: string, kit: string, firstLab: string | undefined): void {
	const state: WorkspaceState = {format: 1, kit, current: firstLab, labs: {}};
	writeFileAtomic(path.join(root, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
}
