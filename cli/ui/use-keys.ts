import {createContext, useCallback, useContext, useLayoutEffect, useRef} from 'react';
import {useInput, type Key} from 'ink';

const NONE: Key = {
	upArrow: false,
	downArrow: false,
	leftArrow: false,
	rightArrow: false,
	pageDown: false,
	pageUp: false,
	home: false,
	end: false,
	return: false,
	escape: false,
	ctrl: false,
	shift: false,
	tab: false,
	backspace: false,
	delete: false,
	meta: false,
	super: false,
	hyper: false,
	capsLock: false,
	numLock: false,
};

/** The key one character stands for, as Ink's parser would say it on its own. */
function keyOf(char: string): [string, Key] {
	const code = char.codePointAt(0) ?? 0;
	if (char === '\r' || char === '\n') return ['', {...NONE, return: true}];
	if (char === '\t') return ['', {...NONE, tab: true}];
	if (char === '\b') return ['', {...NONE, backspace: true}];
	if (char === '\u007F') return ['', {...NONE, delete: true}];
	if (code < 0x20) return [String.fromCodePoint(code + 96), {...NONE, ctrl: true}];
	return [char, {...NONE, shift: /^[A-Z]$/.test(char)}];
}

function isSpecial(key: Key): boolean {
	return Object.entries(key).some(([name, value]) => value === true && name !== 'shift');
}

/**
useInput, one key at a time. Ink splits a stdin chunk at escape sequences
(arrows, PgDn) but hands a run of plain characters over as one string, like a
paste: "jj\r" from a fast typist or `tmux send-keys j j Enter` would reach a
handler as the single input "jj\r" and match no key. Here each character is a
call of its own. Handlers should keep cursors in refs: the calls come before
React renders again.
*/
export function useKeys(handler: (input: string, key: Key) => void, options: {isActive?: boolean} = {}): void {
	// One subscription for the component's life: Ink re-subscribes whenever the handler changes, in an effect after paint.
	const latest = useRef(handler);
	latest.current = handler;
	const split = useCallback((input: string, key: Key) => {
		if (input.length <= 1 || isSpecial(key) || input.startsWith('\u001B')) {
			latest.current(input, key);
			return;
		}
		for (const char of input) latest.current(...keyOf(char));
	}, []);
	useInput(split, options);
}

export type KeyHandler = (input: string, key: Key) => void;

/** The App's one key dispatcher, as the views see it: each view registers the handler of its route. */
export type KeyRouter = {
	/** Called in a layout effect (synchronously with the commit that shows the view); returns the unregister. */
	register: (route: string, handler: {readonly current: KeyHandler}) => () => void;
};

export const KeyRouterContext = createContext<KeyRouter | undefined>(undefined);

/**
A view's keys. Inside the App they come from its one dispatcher, which sends
each key to the view on screen as of that key (a key that arrives before the
new view has registered waits for it): a view that subscribed to stdin itself
did so in an effect after paint, and a key sent just after a change of view
was lost. Rendered alone (tests, or outside the App), the view listens itself.
*/
export function useViewKeys(route: string, handler: KeyHandler, options: {isActive?: boolean} = {}): void {
	const router = useContext(KeyRouterContext);
	const latest = useRef(handler);
	latest.current = handler;
	useLayoutEffect(() => router?.register(route, latest), [router, route]);
	const forward = useCallback<KeyHandler>((input, key) => latest.current(input, key), []);
	useKeys(forward, {isActive: router === undefined && (options.isActive ?? true)});
}
