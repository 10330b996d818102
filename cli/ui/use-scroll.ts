import {useRef, useState} from 'react';
import type {Key} from 'ink';

export type Scroll = {
	/** The first visible row. */
	top: number;
	/** Handles ↑/↓ j/k, PgUp/PgDn/space, g/G; false when the key is not a scrolling key. */
	handle: (input: string, key: Key) => boolean;
};

/** A scroll position over `total` rows shown `page` at a time, kept in a ref so keys in one chunk add up. */
export function useScroll(total: number, page: number): Scroll {
	const max = Math.max(0, total - page);
	const position = useRef(0);
	const [top, setTop] = useState(0);
	const to = (row: number) => {
		position.current = Math.max(0, Math.min(row, max));
		setTop(position.current);
	};
	const handle = (input: string, key: Key): boolean => {
		// After a resize the old position may be past the end.
		position.current = Math.min(position.current, max);
		const step = Math.max(1, page - 1);
		if (key.downArrow || input === 'j') to(position.current + 1);
		else if (key.upArrow || input === 'k') to(position.current - 1);
		else if (key.pageDown || input === ' ') to(position.current + step);
		else if (key.pageUp) to(position.current - step);
		else if (input === 'g' || key.home) to(0);
		else if (input === 'G' || key.end) to(max);
		else return false;
		return true;
	};
	return {top: Math.min(top, max), handle};
}
