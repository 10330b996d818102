// Ink measures every piece of text with string-width. Its module builds an
// Intl.Segmenter when loaded (~11 ms) and its first non-ASCII call compiles
// /^\p{RGI_Emoji}$/v (~18 ms), both before the app's first frame, although the
// app's own glyphs are all one column wide. The bundle aliases 'string-width'
// (Ink's v8 and wrap-ansi's older v7 alike) to this file: text made only of
// printable ASCII and the narrow symbols below is measured by its length, and
// anything else goes to the real string-width, loaded on first need.
// test/build/string-width-shim.test.ts proves every character below narrow
// by the real string-width, so the answers never differ.

import stripAnsi from 'strip-ansi';

/** Printable ASCII, ·, …, ←↑→↓, box drawing and block elements, ■□, ✓✗❯, braille (spinners). */
export const NARROW = /^[\u0020-\u007E\u00B7\u2026\u2190-\u2193\u2500-\u259F\u25A0\u25A1\u2713\u2717\u276F\u2800-\u28FF]*$/;

let real;

export default function stringWidth(input, options = {}) {
	// Ambiguous-width symbols (box drawing, arrows) are two columns when the caller says so.
	if (typeof input === 'string' && options.ambiguousIsNarrow !== false && !options.countAnsiEscapeCodes) {
		// Ink hands over styled text: the colours take no columns.
		const text = input.includes('\u001B') || input.includes('\u009B') ? stripAnsi(input) : input;
		if (NARROW.test(text)) return text.length;
	}
	// require(), not import: esbuild then evaluates string-width only on this first call.
	real ??= require('../../node_modules/string-width/index.js').default;
	return real(input, options);
}
