import {writeSync} from 'node:fs';
import {render, type Instance} from 'ink';
import type {AppSession} from '../app/session.js';
import {App} from './App.js';
import {CreateWorkspace} from './CreateWorkspace.js';

/** The alternate screen, as full-screen programs (less, vim) use it: the shell's screen comes back on exit. */
const ENTER_ALT_SCREEN = '\u001B[?1049h\u001B[H';
const LEAVE_ALT_SCREEN = '\u001B[?1049l';

export type RenderAppOptions = {
	/** Undefined outside a workspace: the app offers to create one first. */
	session: AppSession | undefined;
	cwd: string;
	/** Creates a workspace in cwd/name and a session on it; throws a message for the learner. */
	createSession: (name: string) => AppSession;
	/** Before unmounting on q: end every run and process (bounded). */
	stop: (session: AppSession | undefined) => Promise<void>;
	/** Exit right after the first frame (the start-up benchmark). */
	firstFrame: boolean;
};

export type AppOutcome = {session: AppSession | undefined; firstFrameMs?: number};

/** Runs the Ink app until the learner quits. */
export async function renderApp(options: RenderAppOptions): Promise<AppOutcome> {
	let session = options.session;
	let firstFrameMs: number | undefined;
	let instance: Instance | undefined;
	let left = false;
	const leave = () => {
		if (left) return;
		left = true;
		writeSync(process.stdout.fd, LEAVE_ALT_SCREEN);
	};
	process.once('exit', leave);
	// Before main's signal handlers print "stopped by …": on the shell's screen, not the one about to vanish.
	const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
	for (const signal of signals) process.prependListener(signal, leave);

	const quit = () => {
		void options.stop(session).finally(() => instance?.unmount());
	};
	// Ink writes its first frame synchronously, inside render(), right after calling onRender.
	const onRender = () => {
		if (!options.firstFrame || firstFrameMs !== undefined) return;
		firstFrameMs = 0;
		queueMicrotask(() => {
			firstFrameMs = performance.now();
			instance?.unmount();
		});
	};
	const app = (current: AppSession) => <App session={current} onQuit={quit} />;

	process.stdout.write(ENTER_ALT_SCREEN);
	try {
		instance = render(
			session
				? app(session)
				: <CreateWorkspace
						cwd={options.cwd}
						onQuit={quit}
						onCreate={name => {
							session = options.createSession(name);
							instance?.rerender(app(session));
						}}
					/>,
			{exitOnCtrlC: false, onRender},
		);
		await instance.waitUntilExit();
	} finally {
		leave();
		process.off('exit', leave);
		for (const signal of signals) process.off(signal, leave);
	}
	return {session, firstFrameMs};
}
