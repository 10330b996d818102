import {loadCatalog} from '../catalog.js';
import {t} from '../i18n/index.js';
import {padEndToWidth, textWidth} from '../i18n/width.js';
import type {Command} from '../command.js';
import {resolveTarget} from './context.js';

export const listCommand: Command = {
	name: 'list',
	summary: 'show every lab in order with your status',
	usage: 'list [--dir <workspace>]',
	help: 'Lists the labs in curriculum order with their status in this workspace: not started, failing or passed.\nThe current lab (the one `verify` checks by default) is marked with >.\n\n  --dir <path>   the workspace (default: found from the current folder upwards)',
	options: {dir: {type: 'string'}},
	async run({values}, io) {
		const workspace = resolveTarget(io, values.dir)?.workspace;
		const labs = loadCatalog();
		const width = Math.max(...labs.map(lab => lab.id.length));
		const titleWidth = Math.max(...labs.map(lab => textWidth(lab.title)));
		const words = t();
		let passed = 0;
		for (const lab of labs) {
			const progress = workspace?.progress(lab.id);
			if (progress?.status === 'passed') passed++;
			// `hint` records hintsShown before any verify, with an empty lastRun: still not started.
			const status = workspace ? words.status[progress === undefined || !progress.lastRun ? 'not started' : progress.status] : '';
			const marker = workspace?.state.current === lab.id ? '>' : ' ';
			io.out(`${marker} ${lab.id.padEnd(width)}  ${padEndToWidth(lab.title, titleWidth)}  ${status}`.trimEnd());
		}
		io.out('');
		io.out(workspace ? `${words.labsPassed(passed, labs.length)}${words.fullStop}` : words.notInWorkspace);
		return 0;
	},
};
