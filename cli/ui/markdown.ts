/**
Lessons rendered for the terminal with marked + marked-terminal: headings,
lists, tables, code blocks with syntax colours. marked-terminal (with
cli-highlight and cli-table3) costs ~130 ms to import, so it is loaded on the
first lesson opened, never before the first frame.
*/
import type {MarkedExtension} from 'marked';
import {colourOff} from '../app/terminal.js';
import {stripAnsi} from '../reporters/text.js';

type Loaded = {
	Marked: typeof import('marked').Marked;
	markedTerminal: (options?: Record<string, unknown>) => MarkedExtension;
};

let loading: Promise<Loaded> | undefined;

function load(): Promise<Loaded> {
	loading ??= Promise.all([import('marked'), import('marked-terminal')]).then(([marked, terminal]) => ({Marked: marked.Marked, markedTerminal: terminal.markedTerminal}));
	return loading;
}

/**
Two fixes on top of marked-terminal 7, each falling through to it (false):
- it renders a text token from its raw text, so inline styles in tight list
  items ("* the **primary** owns…") would keep their asterisks: parse their
  inline tokens instead;
- a code block without a language would be auto-detected by trying every
  highlight.js language (most of a second unbundled, for an ASCII diagram):
  call it plain text.
*/
const fixes: MarkedExtension = {
	renderer: {
		text(token) {
			return typeof token === 'object' && 'tokens' in token && token.tokens ? this.parser.parseInline(token.tokens) : false;
		},
		code(token) {
			if (!token.lang) token.lang = 'plaintext';
			return false;
		},
	},
};

/** Colours on a terminal, unless NO_COLOR or FORCE_COLOR=0 say otherwise. */
export function markdownColour(): boolean {
	return Boolean(process.stdout.isTTY) && !colourOff(process.env);
}

/**
Markdown as ANSI text about `width` columns wide (code blocks and tables may be
wider). Without colour, every escape code goes: cli-table3 colours tables with a
colour library of its own, whatever chalk was told.
*/
export async function renderMarkdown(source: string, width: number, colour = markdownColour()): Promise<string> {
	const {Marked, markedTerminal} = await load();
	const marked = new Marked(markedTerminal({width, reflowText: true, tab: 2, showSectionPrefix: false, emoji: false}), fixes);
	const text = (await marked.parse(source)).trimEnd();
	return colour ? text : stripAnsi(text);
}
