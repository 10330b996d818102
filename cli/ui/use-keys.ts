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
	useInput((input, key) => {
		if (input.length <= 1 || isSpecial(key) || input.startsWith('\u001B')) {
			handler(input, key);
			return;
		}
		for (const char of input) handler(...keyOf(char));
	}, options);
}
