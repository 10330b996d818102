// Local shim: @types/marked-terminal@6 pins marked <12 and would install a second copy of marked.
declare module 'marked-terminal' {
	import type {MarkedExtension} from 'marked';

	export function markedTerminal(options?: Record<string, unknown>, highlightOptions?: Record<string, unknown>): MarkedExtension;
}
