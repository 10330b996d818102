import path from 'node:path';
import {useRef, useState} from 'react';
import {Box, Text} from 'ink';
import {useKeys} from './use-keys.js';
import {DEFAULT_WORKSPACE_NAME} from '../create-workspace.js';
import {STATE_FILE} from '../workspace.js';
import {t} from '../i18n/index.js';

type Props = {
	readonly cwd: string;
	/** Creates the workspace and opens it; throws with a message for the learner (e.g. the folder is not empty). */
	readonly onCreate: (name: string) => void;
	readonly onQuit: () => void;
};

/** Outside a workspace: offer to create one (as `init` does) and continue there. */
export function CreateWorkspace({cwd, onCreate, onQuit}: Props) {
	// The default is typed over by the first key, as a selected field would be.
	const field = useRef({name: DEFAULT_WORKSPACE_NAME, pristine: true});
	const [name, setName] = useState(DEFAULT_WORKSPACE_NAME);
	const [error, setError] = useState<string>();
	useKeys((input, key) => {
		if (key.escape || (key.ctrl && input === 'c')) return onQuit();
		if (key.return) {
			try {
				onCreate(field.current.name.trim() || DEFAULT_WORKSPACE_NAME);
			} catch (caught) {
				setError((caught as Error).message);
			}
			return;
		}
		if (key.backspace || key.delete) field.current = {name: field.current.name.slice(0, -1), pristine: false};
		else {
			// eslint-disable-next-line no-control-regex
			const typed = key.ctrl || key.meta ? '' : input.replace(/[\u0000-\u001F\u007F]/g, '');
			if (!typed) return;
			field.current = {name: (field.current.pristine ? '' : field.current.name) + typed, pristine: false};
		}
		setError(undefined);
		setName(field.current.name);
	});
	const words = t().app.create;
	return (
		<Box flexDirection="column" paddingX={1}>
			<Text bold>node-cluster-lab</Text>
			<Text> </Text>
			<Text wrap="wrap">{words.noWorkspace(STATE_FILE, cwd)}</Text>
			<Text> </Text>
			<Text>
				{words.createIn}
				<Text color="cyan" bold inverse={field.current.pristine}>{name}</Text>
				<Text color="cyan">▌</Text>
			</Text>
			<Text dimColor wrap="truncate-middle">
				{'  '}
				{path.resolve(cwd, name.trim() || DEFAULT_WORKSPACE_NAME)}
			</Text>
			{error ? (
				<Text color="red" wrap="wrap">
					{error}
				</Text>
			) : null}
			<Text> </Text>
			<Text dimColor>{words.keys}</Text>
		</Box>
	);
}
