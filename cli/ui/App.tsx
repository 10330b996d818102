import path from 'node:path';
import {useMemo, useRef, useState, useSyncExternalStore} from 'react';
import {Box, Text, type Key} from 'ink';
import {KeyRouterContext, useKeys, type KeyHandler, type KeyRouter} from './use-keys.js';
import type {AppSession, SessionState} from '../app/session.js';
import {CheckView} from './CheckView.js';
import {Confirm} from './Confirm.js';
import {Footer, type KeyHint} from './Footer.js';
import {Header} from './Header.js';
import {HelpOverlay} from './HelpOverlay.js';
import {HintView} from './HintView.js';
import {LessonReader} from './LessonReader.js';
import {Menu} from './Menu.js';
import {SolutionView} from './SolutionView.js';
import {useTerminalSize} from './use-terminal-size.js';
import {wordWrap} from './wrap-lines.js';
import {t} from '../i18n/index.js';

type Screen =
	| {name: 'menu'}
	| {name: 'check'}
	| {name: 'lesson'; lab: string; from: 'menu' | 'check'}
	| {name: 'hints'}
	| {name: 'solution'; full: boolean};

type Dialog = {question: string; detail?: string; onYes: () => void};

type Props = {
	readonly session: AppSession;
	/** q or ctrl-c: the caller stops every process, then unmounts. */
	readonly onQuit: () => void;
};

/** The key that switches the app's language (English ⇄ 中文): free on every screen. */
export const LANGUAGE_KEY = 't';

function footerKeys(screen: Screen, state: SessionState, access: ReturnType<AppSession['solutionAccess']>): KeyHint[] {
	const keys = t().app.keys;
	const BACK: KeyHint = ['esc', keys.back];
	const HELP_KEY: KeyHint = ['?', keys.keys];
	const QUIT: KeyHint = ['q', keys.quit];
	// Shown where it fits: the language key sits just before the three that always stay.
	const LANGUAGE: KeyHint = [LANGUAGE_KEY, keys.language];
	switch (screen.name) {
		case 'menu':
			return [['↑↓', keys.move], ['enter', keys.open], ['l', keys.lesson], LANGUAGE, HELP_KEY, QUIT];
		case 'check': {
			const phase = state.run.phase;
			if (phase === 'passed') return [['n', keys.nextLab], ['s', keys.solution], ['r', keys.run], ['l', keys.lesson], ['w', keys.watch], ['x', keys.reset], LANGUAGE, ['esc', keys.labs], HELP_KEY, QUIT];
			if (phase === 'running') return [['r', keys.restart], ['c', keys.cancel], ['h', keys.hint], ['l', keys.lesson], ['w', keys.watch], ['s', keys.solution], LANGUAGE, ['esc', keys.labs], HELP_KEY, QUIT];
			return [['r', keys.run], ['h', keys.hint], ['l', keys.lesson], ['w', keys.watch], ['s', keys.solution], ['x', keys.reset], LANGUAGE, ['esc', keys.labs], HELP_KEY, QUIT];
		}
		case 'lesson':
			return [['↑↓ PgUp PgDn', keys.scroll], ['g/G', keys.topEnd], ['r', keys.check], LANGUAGE, BACK, HELP_KEY, QUIT];
		case 'hints':
			return [['h', keys.nextHint], LANGUAGE, BACK, HELP_KEY, QUIT];
		default:
			if (access === 'workshop') return [['enter', keys.unlock], BACK, ['ctrl-c', keys.quit]];
			return [['↑↓ PgUp PgDn', keys.scroll], ['f', screen.full ? keys.changesOnly : keys.wholeFiles], LANGUAGE, BACK, HELP_KEY, QUIT];
	}
}

const isBack = (input: string, key: Key) => key.escape || input === 'b' || key.leftArrow;
/** What the solution screen must say instead of the solution, if anything. */
const lockOf = (access: ReturnType<AppSession['solutionAccess']>) => (access === 'locked' || access === 'workshop' ? access : undefined);

/** Keys typed ahead of a view that has not appeared yet: a paste is not a reason to grow without end. */
const MAX_WAITING = 64;

/** The learner's whole loop on one screen: labs, lesson, check, hints, solution; global keys. */
export function App({session, onQuit}: Props) {
	const state = useSyncExternalStore(session.subscribe, session.getSnapshot);
	const {columns, rows} = useTerminalSize();
	// What is on screen lives in refs as well as in state: the key dispatcher reads the refs, which a
	// key changes at once, where state only changes at the next render.
	const [screen, setScreenState] = useState<Screen>({name: 'menu'});
	const [help, setHelpState] = useState(false);
	const [dialog, setDialogState] = useState<Dialog>();
	const [quitting, setQuitting] = useState(false);
	const now = useRef({screen: screen as Screen, help: false, dialog: undefined as Dialog | undefined, quitting: false});
	const setScreen = (next: Screen) => {
		now.current.screen = next;
		setScreenState(next);
	};
	const setHelp = (open: boolean) => {
		now.current.help = open;
		setHelpState(open);
	};
	const setDialog = (next: Dialog | undefined) => {
		now.current.dialog = next;
		setDialogState(next);
	};
	/** The lab under the menu's cursor, kept while other screens are shown. */
	const menuCursor = useRef<string>(undefined);

	const quit = () => {
		if (now.current.quitting) return;
		now.current.quitting = true;
		setQuitting(true);
		onQuit();
	};

	const openLab = (id: string) => {
		menuCursor.current = id;
		session.openLab(id);
	};

	/** r in the lesson: open the lab if needed and check it. */
	const check = (id: string) => {
		const snapshot = session.getSnapshot();
		if (snapshot.open?.id === id) void session.runCheck('r pressed');
		else {
			openLab(id);
			if (!snapshot.watch.enabled) void session.runCheck('r pressed');
		}
		setScreen({name: 'check'});
	};

	const openSolution = (id: string) => {
		const access = session.solutionAccess();
		if (access === 'ask') {
			setDialog({
				question: t().app.askSolution(id),
				detail: t().app.askSolutionDetail,
				onYes: () => setScreen({name: 'solution', full: false}),
			});
		} else setScreen({name: 'solution', full: false});
	};

	/** The check screen's own keys; false for any other (the failure's scroll keys, handled by the view). */
	const onCheckKey = (input: string, key: Key): boolean => {
		const open = session.getSnapshot().open;
		if (!open) return true;
		if (input === 'r') void session.runCheck('r pressed');
		else if (input === 'c') void session.cancel();
		else if (input === 'w') session.toggleWatch();
		else if (input === 'h') {
			session.nextHint();
			setScreen({name: 'hints'});
		} else if (input === 'l') setScreen({name: 'lesson', lab: open.id, from: 'check'});
		else if (input === 's') openSolution(open.id);
		else if (input === 'x') {
			setDialog({
				question: t().app.askReset(open.id),
				detail: t().app.askResetDetail,
				onYes: () => void session.reset(),
			});
		} else if (input === 'n') {
			const next = session.nextLab();
			if (next) menuCursor.current = next.id;
		} else if (isBack(input, key)) {
			menuCursor.current = open.id;
			void session.closeLab();
			setScreen({name: 'menu'});
		} else return false;
		return true;
	};

	/** The view that gets a key now: the one on screen as of this key, not as of the last render. */
	const route = (): string | undefined => {
		const {screen: current, help: helping, dialog: asking, quitting: leaving} = now.current;
		if (leaving) return undefined;
		if (asking) return 'dialog';
		if (helping) return 'help';
		const open = session.getSnapshot().open;
		if (current.name === 'menu' || (current.name !== 'lesson' && !open)) return 'menu';
		return current.name;
	};

	// The one key dispatcher: global keys first, then the view on screen. A view that has not
	// registered yet (it is about to mount) gets its keys, in order, when it does.
	const views = useRef(new Map<string, {readonly current: KeyHandler}>());
	const waiting = useRef<Array<[string, Key]>>([]);
	const dispatch = (input: string, key: Key): void => {
		if (key.ctrl && input === 'c') return quit();
		const ready = route();
		if (waiting.current.length > 0 && (ready === undefined || ready === 'check' || views.current.has(ready))) {
			// The view they waited for is there (or the screen moved on to one that needs none): in order, first.
			const keys = waiting.current.splice(0);
			for (const [early, earlyKey] of keys) dispatch(early, earlyKey);
		}
		if (waiting.current.length > 0) {
			// Keys keep their order: nothing overtakes a key waiting for its view.
			if (waiting.current.length < MAX_WAITING) waiting.current.push([input, key]);
			return;
		}
		const target = route();
		if (target === undefined) return;
		// The solution screen of a workshop lab is a text field: q and ? are letters of the code there.
		const typing = target === 'solution' && session.solutionAccess() === 'workshop';
		if (target !== 'dialog' && !typing) {
			if (input === 'q') return quit();
			if (target !== 'help' && input === '?') return setHelp(true);
			if (input === LANGUAGE_KEY) return session.toggleLanguage();
		}
		if (target === 'check') {
			if (!onCheckKey(input, key)) views.current.get('check')?.current(input, key);
			return;
		}
		const view = views.current.get(target);
		if (view) view.current(input, key);
		else waiting.current.push([input, key]);
	};
	const latestDispatch = useRef(dispatch);
	latestDispatch.current = dispatch;
	const router = useMemo<KeyRouter>(
		() => ({
			register(name, handler) {
				views.current.set(name, handler);
				if (waiting.current.length > 0 && route() === name) {
					const keys = waiting.current.splice(0);
					for (const [input, key] of keys) latestDispatch.current(input, key);
				}
				return () => {
					if (views.current.get(name) === handler) views.current.delete(name);
				};
			},
		}),
		[],
	);
	useKeys((input, key) => latestDispatch.current(input, key));

	const idle = !help && !dialog && !quitting;
	const labFor = (id: string) => session.labs.find(lab => lab.id === id)!;
	const notice = quitting ? {text: t().app.stopping, tone: 'info' as const} : state.notice;
	// One row is left free: a frame as tall as the terminal makes Ink clear the screen on every update.
	const noticeRows = notice ? wordWrap(notice.text, columns) : [];
	const height = Math.max(4, rows - 1 - 1 - 2 - noticeRows.length - (dialog ? 3 + (dialog.detail ? 1 : 0) : 0));
	const solution = useMemo(() => (screen.name === 'solution' && state.open ? session.solution(screen.full ? Number.POSITIVE_INFINITY : 3) : []), [screen, state.open]);

	let body;
	if (help) body = <HelpOverlay width={columns} onClose={() => setHelp(false)} />;
	else if (screen.name === 'menu' || (screen.name !== 'lesson' && !state.open)) {
		body = (
			<Menu
				rows={state.labs}
				current={menuCursor.current ?? state.current}
				onCursor={id => {
					menuCursor.current = id;
				}}
				passed={state.passed}
				width={columns}
				height={height}
				isActive={idle}
				onOpen={id => {
					openLab(id);
					setScreen({name: 'check'});
				}}
				onLesson={id => setScreen({name: 'lesson', lab: id, from: 'menu'})}
			/>
		);
	} else if (screen.name === 'lesson') {
		body = (
			<LessonReader
				lab={labFor(screen.lab)}
				width={columns}
				height={height}
				isActive={idle}
				onBack={() => setScreen(screen.from === 'check' && session.getSnapshot().open ? {name: 'check'} : {name: 'menu'})}
				onRun={() => check(screen.lab)}
			/>
		);
	} else if (screen.name === 'hints' && state.open) {
		body = <HintView lab={state.open} shown={state.hintsShown} width={columns} height={height} isActive={idle} onMore={() => session.nextHint()} onBack={() => setScreen({name: 'check'})} />;
	} else if (screen.name === 'solution' && state.open) {
		body = (
			<SolutionView
				lab={state.open}
				lock={lockOf(session.solutionAccess())}
				onUnlock={code => {
					const refusal = session.unlock(code);
					// A new screen object: the solution is read again, now that it is open.
					if (refusal === undefined) setScreen({name: 'solution', full: false});
					return refusal;
				}}
				diffs={solution}
				full={screen.full}
				width={columns}
				height={height}
				isActive={idle}
				onBack={() => setScreen({name: 'check'})}
				onToggleFull={() => setScreen({name: 'solution', full: !screen.full})}
			/>
		);
	} else body = <CheckView state={state} width={columns} height={height} />;

	return (
		<KeyRouterContext.Provider value={router}>
			<Box flexDirection="column" width={columns} height={rows - 1}>
				<Header workspace={path.basename(state.root)} passed={state.passed} total={state.labs.length} width={columns} />
				<Box flexDirection="column" flexGrow={1} overflow="hidden">
					{body}
				</Box>
				{dialog ? (
					<Confirm
						question={dialog.question}
						detail={dialog.detail}
						onAnswer={yes => {
							setDialog(undefined);
							if (yes) dialog.onYes();
						}}
					/>
				) : null}
				{notice ? (
					<Text color={notice.tone === 'warn' ? 'yellow' : 'cyan'}>{noticeRows.join('\n')}</Text>
				) : null}
				<Footer keys={help ? [['esc ?', t().app.keys.close], [LANGUAGE_KEY, t().app.keys.language], ['q', t().app.keys.quit]] : footerKeys(screen, state, session.solutionAccess())} width={columns} />
			</Box>
		</KeyRouterContext.Provider>
	);
}
