import {useRef, useState} from 'react';

export type ListCursor = {
	/** The highlighted index, for rendering. */
	index: number;
	/** The index as of the last key, for handlers: never stale. */
	current: () => number;
	move: (delta: number) => void;
	set: (index: number) => void;
};

/**
A cursor over `count` items that lives in a ref. Ink hands every key of one
stdin chunk ("Down Down Enter" from tmux, a paste, a fast typist) to the input
handler before React renders again, so Enter must not read the rendered index.
*/
export function useListCursor(count: number, initial = 0): ListCursor {
	const clamp = (index: number) => Math.max(0, Math.min(index, count - 1));
	const cursor = useRef(clamp(initial));
	const [index, setIndex] = useState(cursor.current);
	const set = (next: number) => {
		cursor.current = clamp(next);
		setIndex(cursor.current);
	};
	return {index: clamp(index), current: () => clamp(cursor.current), move: delta => set(cursor.current + delta), set};
}
