/**
Everything the Ink app does, without React: the workspace, the lab that is
open, the check that runs on it (runLab with an AbortController), the watcher,
and an immutable snapshot of it all for the screen. The UI subscribes with
useSyncExternalStore and calls the actions; it never starts a process itself.
*/
import path from 'node:path';
import {loadCatalog, type Lab} from '../catalog.js';
import type {LabCheck} from '../checks/step.js';
import {killAllLabGroups} from '../harness/lab-groups.js';
import {hintsShown, revealNextHint} from '../hints.js';
import {startersDir} from '../paths.js';
import {installAdvice} from '../create-workspace.js';
import {enterCode, solutionLock} from '../solutions.js';
import type {Workspace} from '../workspace.js';
import {cancelRun, foldRun, idleRun, startRun, type RunView} from './run-state.js';
import {solutionDiffs, type SolutionDiff} from './solution-diff.js';
import {watchFolder, type WatchMode, type Watcher, type WatchOptions} from './watcher.js';
import {getLang, nextLang, setLang, t, type Lang} from '../i18n/index.js';

export type LabStatus = 'not started' | 'failing' | 'passed';

export type LabRow = {lab: Lab; status: LabStatus};

export type Notice = {text: string; tone: 'info' | 'warn'};

export type SessionState = {
	/** The workspace folder. */
	root: string;
	labs: LabRow[];
	passed: number;
	/** The workspace's current lab (remembered between runs). */
	current?: string;
	/** The lab open in the check view: watched, and checked on every save. */
	open?: Lab;
	run: RunView;
	/** What started the run on screen: "opened", "r pressed", "saved main.ts". */
	trigger?: string;
	watch: {enabled: boolean; mode?: WatchMode};
	/** How many of the open lab's hints the learner has seen. */
	hintsShown: number;
	notice?: Notice;
	/** The language the app speaks (cli/i18n); t switches it, and the workspace remembers it. */
	lang: Lang;
};

/** 'ask': not passed yet, show only after a confirmation. */
/** locked: no code opens it; workshop: the instructor's code opens it; ask: not passed yet; open. */
export type SolutionAccess = 'locked' | 'workshop' | 'ask' | 'open';

export type SessionOptions = {
	workspace: Workspace;
	env?: Record<string, string | undefined>;
	labs?: Lab[];
	/** The checkers by lab id; by default cli/checks, loaded on the first check (they bring undici, ~40 ms of start-up). */
	checks?: Record<string, LabCheck>;
	/** Stands in for the real watcher in tests. */
	watchFolder?: (dir: string, onChange: (file: string) => void, options: WatchOptions) => Watcher;
	debounceMs?: number;
	/** How long to coalesce change notifications (one screen update per burst of events). */
	notifyMs?: number;
	/** How long a notice stays on screen. */
	noticeMs?: number;
	/** The app has just created this workspace (the folder as the learner typed it): say how to install the kit there. */
	created?: string;
};

type ActiveRun = {controller: AbortController; done: Promise<void>; lab: Lab};

function labStatus(workspace: Workspace, id: string): LabStatus {
	const progress = workspace.progress(id);
	// `hint` records hintsShown before any check, with an empty lastRun: still not started.
	if (progress === undefined || !progress.lastRun) return 'not started';
	return progress.status;
}

export class AppSession {
	readonly workspace: Workspace;
	/** In the app's language: replaced when the learner switches it. */
	labs: Lab[];
	/** Labs handed in by a test: kept whatever the language. */
	private readonly fixedLabs: boolean;
	private readonly env: Record<string, string | undefined>;
	private readonly checks: Record<string, LabCheck> | undefined;
	private readonly makeWatcher: NonNullable<SessionOptions['watchFolder']>;
	private readonly debounceMs: number;
	private readonly notifyMs: number;
	private readonly noticeMs: number;
	private state: SessionState;
	private readonly listeners = new Set<() => void>();
	private notifyTimer: NodeJS.Timeout | undefined;
	private noticeTimer: NodeJS.Timeout | undefined;
	private watcher: Watcher | undefined;
	private active: ActiveRun | undefined;
	/** The latest run request; an older one still waiting for the previous run to end gives up. */
	private latest: symbol | undefined;
	private closed = false;

	constructor(options: SessionOptions) {
		this.workspace = options.workspace;
		this.env = options.env ?? process.env;
		this.labs = options.labs ?? loadCatalog();
		this.fixedLabs = options.labs !== undefined;
		this.checks = options.checks;
		this.makeWatcher = options.watchFolder ?? watchFolder;
		this.debounceMs = options.debounceMs ?? 300;
		this.notifyMs = options.notifyMs ?? 25;
		this.noticeMs = options.noticeMs ?? 8000;
		const current = this.workspace.state.current;
		this.state = {
			root: this.workspace.root,
			...this.rows(),
			current: this.labs.some(lab => lab.id === current) ? current : this.labs[0]?.id,
			run: idleRun,
			watch: {enabled: this.env.NCL_WATCH !== 'off'},
			hintsShown: 0,
			lang: getLang(),
			// Stays until the next notice: the first thing to do in a new workspace.
			notice: options.created === undefined ? undefined : {text: `Created ${options.created}. ${installAdvice(options.created)}`, tone: 'info'},
		};
	}

	// --- the store React reads -------------------------------------------

	subscribe = (listener: () => void): (() => void) => {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	};

	getSnapshot = (): SessionState => this.state;

	private set(change: Partial<SessionState>): void {
		this.state = {...this.state, ...change};
		// Output lines and traffic tallies can arrive by the hundred: one screen update per burst.
		this.notifyTimer ??= setTimeout(() => {
			this.notifyTimer = undefined;
			for (const listener of this.listeners) listener();
		}, this.notifyMs);
	}

	/** A one-line message under the screen, gone after a while (or when the next one comes). */
	private flash(text: string, tone: Notice['tone'] = 'info'): void {
		clearTimeout(this.noticeTimer);
		this.set({notice: {text, tone}});
		this.noticeTimer = setTimeout(() => this.set({notice: undefined}), this.noticeMs);
		this.noticeTimer.unref();
	}

	private rows(): {labs: LabRow[]; passed: number} {
		const labs = this.labs.map(lab => ({lab, status: labStatus(this.workspace, lab.id)}));
		return {labs, passed: labs.filter(row => row.status === 'passed').length};
	}

	// --- language --------------------------------------------------------

	/**
	Speak `lang` from now on: every string of the app, the labs' titles, hints and
	lessons (lessons/<lang>/ twins), remembered in the workspace for next time.
	*/
	setLanguage(lang: Lang): void {
		if (this.closed) return;
		setLang(lang);
		if (!this.fixedLabs) this.labs = loadCatalog(undefined, lang);
		const open = this.state.open && this.labs.find(lab => lab.id === this.state.open!.id);
		this.workspace.state.lang = lang;
		this.workspace.save();
		this.set({...this.rows(), lang, open});
		this.flash(t(lang).app.languageNow);
	}

	/** The t key: the next language. */
	toggleLanguage(): void {
		this.setLanguage(nextLang(this.state.lang));
	}

	// --- labs ------------------------------------------------------------

	/** Open a lab in the check view: it becomes the current lab, is watched, and (in watch mode) checked at once. */
	openLab(id: string): void {
		const lab = this.labs.find(candidate => candidate.id === id);
		if (!lab || this.closed) return;
		if (this.state.open?.id === id) return;
		this.stopWatcher();
		this.abortRun();
		this.workspace.state.current = id;
		this.workspace.save();
		this.set({open: lab, current: id, run: idleRun, trigger: undefined, notice: undefined, hintsShown: hintsShown(this.workspace, lab)});
		if (this.state.watch.enabled) {
			this.startWatcher();
			void this.runCheck('opened');
		}
	}

	/** Back to the menu: the run is cancelled and its processes ended, the folder no longer watched. */
	async closeLab(): Promise<void> {
		this.stopWatcher();
		this.set({open: undefined, run: idleRun, trigger: undefined, notice: undefined});
		await this.cancel();
	}

	/** The lab after the open one, once the open one has passed. */
	nextLab(): Lab | undefined {
		const open = this.state.open;
		if (!open) return undefined;
		if (labStatus(this.workspace, open.id) !== 'passed') {
			this.flash(t().app.notices.passFirst(open.id), 'warn');
			return undefined;
		}
		const next = this.labs[this.labs.findIndex(lab => lab.id === open.id) + 1];
		if (!next) {
			this.flash(t().app.notices.lastLab);
			return undefined;
		}
		this.openLab(next.id);
		return next;
	}

	// --- checking --------------------------------------------------------

	/**
	Check the open lab. A run in progress is cancelled first (its processes are
	ended before the new ones start); when several requests pile up while it
	ends, only the latest runs. Progress is recorded when a check finishes, not
	when it is cancelled, and not when the checker itself broke.
	*/
	async runCheck(trigger = 'r pressed'): Promise<void> {
		const lab = this.state.open;
		if (!lab || this.closed) return;
		const ticket = Symbol(trigger);
		this.latest = ticket;
		const previous = this.active;
		previous?.controller.abort();
		const checking = await import('./checking.js');
		const {runLab} = checking;
		const checks = this.checks ?? checking.checks;
		await previous?.done;
		// By id: switching the language replaces the open lab's object, not the lab.
		if (this.latest !== ticket || this.closed || this.state.open?.id !== lab.id) return;
		const check = checks[lab.id];
		if (!check) {
			this.flash(t().app.notices.noChecker(lab.id), 'warn');
			return;
		}

		const controller = new AbortController();
		let finished!: () => void;
		// Registered before runLab is called: its first events must already count as this run's.
		this.active = {controller, lab, done: new Promise<void>(resolve => (finished = resolve))};
		const mine = () => this.active?.controller === controller && !controller.signal.aborted;
		this.set({run: startRun(lab.id, check.steps), trigger});
		try {
			const status = await runLab({
				lab,
				check,
				dir: this.workspace.labDir(lab.id),
				cwd: this.workspace.root,
				signal: controller.signal,
				emit: event => {
					if (mine()) this.set({run: foldRun(this.state.run, event)});
				},
			});
			if (controller.signal.aborted) {
				if (this.state.run.lab === lab.id) this.set({run: cancelRun(this.state.run)});
			} else if (status !== 'error') {
				this.workspace.recordRun(lab.id, status === 'passed');
				this.set(this.rows());
			}
		} catch (error) {
			if (mine()) this.set({run: {...this.state.run, phase: 'error', error: (error as Error).message}});
		} finally {
			if (this.active?.controller === controller) this.active = undefined;
			finished();
		}
	}

	private abortRun(): void {
		this.latest = undefined;
		this.active?.controller.abort();
	}

	/** Stop the run in progress and wait until its processes are gone. */
	async cancel(): Promise<void> {
		const active = this.active;
		this.abortRun();
		await active?.done;
	}

	// --- watch mode ------------------------------------------------------

	toggleWatch(): void {
		const enabled = !this.state.watch.enabled;
		this.set({watch: {enabled}});
		this.flash(enabled ? t().app.notices.watchOn : t().app.notices.watchOff);
		if (enabled && this.state.open) this.startWatcher();
		else this.stopWatcher();
	}

	private startWatcher(): void {
		const lab = this.state.open;
		if (!lab) return;
		this.stopWatcher();
		const watcher = this.makeWatcher(
			this.workspace.labDir(lab.id),
			file => {
				if (this.watcher === watcher) void this.runCheck(file ? `saved ${file}` : 'a file changed');
			},
			{debounceMs: this.debounceMs, mode: this.env.NCL_WATCH === 'poll' ? 'poll' : 'auto'},
		);
		this.watcher = watcher;
		this.set({watch: {enabled: true, mode: watcher.mode}});
	}

	private stopWatcher(): void {
		this.watcher?.close();
		this.watcher = undefined;
		this.set({watch: {enabled: this.state.watch.enabled}});
	}

	// --- hints, solution, reset ------------------------------------------

	/** One more hint for the open lab (remembered in the workspace, as `hint` does). */
	nextHint(): number {
		const lab = this.state.open;
		if (!lab) return 0;
		const shown = revealNextHint(this.workspace, lab);
		this.set({hintsShown: shown});
		return shown;
	}

	solutionAccess(): SolutionAccess {
		const lab = this.state.open;
		if (!lab) return 'locked';
		const lock = solutionLock(this.env, this.workspace, lab.id);
		if (lock) return lock;
		// A lab the instructor opened with a workshop code is shown to everyone, passed or not.
		if (this.workspace.state.workshop?.solutions[lab.id] !== undefined) return 'open';
		return labStatus(this.workspace, lab.id) === 'passed' ? 'open' : 'ask';
	}

	/** A workshop code typed in the solution screen (as `unlock` does): undefined once it opened the open lab, else why not. */
	unlock(code: string): string | undefined {
		const result = enterCode(this.workspace, code);
		if ('error' in result) return result.error;
		this.set({});
		return result.opened === this.state.open?.id ? undefined : t().app.notices.wrongCode(result.opened, this.state.open?.id ?? '');
	}

	/** The reference against the learner's files (context lines around each change); nothing while a lock is on. */
	solution(context = 3): SolutionDiff[] {
		const lab = this.state.open;
		const access = this.solutionAccess();
		if (!lab || access === 'locked' || access === 'workshop') return [];
		return solutionDiffs(lab, this.workspace.labDir(lab.id), `labs/${lab.id}`, context);
	}

	/** Put the starter back after a backup; returns the backup folder. */
	async reset(): Promise<string | undefined> {
		const lab = this.state.open;
		if (!lab) return undefined;
		this.stopWatcher();
		await this.cancel();
		const backup = this.workspace.reset(lab.id, path.join(startersDir, lab.id));
		const where = backup ? path.relative(this.workspace.root, backup) : '';
		this.set({...this.rows(), run: idleRun, trigger: undefined});
		this.flash(t().app.notices.resetDone(lab.id, where));
		if (this.state.watch.enabled) {
			this.startWatcher();
			void this.runCheck('reset');
		}
		return backup;
	}

	// --- the end ---------------------------------------------------------

	/** Quit: cancel the run, wait for its processes to end, stop watching, and kill any group left. */
	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		this.stopWatcher();
		await this.cancel();
		clearTimeout(this.notifyTimer);
		clearTimeout(this.noticeTimer);
		this.notifyTimer = undefined;
		killAllLabGroups();
	}
}
