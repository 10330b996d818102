/**
A workspace the app creates (outside a workspace, it offers to) gets the same
advice `init` prints: install the kit there. Without it `npx node-cluster-lab`
asks npm for the package on every start and the lessons' `npx tsx main.ts`
finds no tsx.
*/
import path from 'node:path';
import {cleanup, render} from 'ink-testing-library';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {farewell} from '../../cli/app/launch.js';
import {AppSession} from '../../cli/app/session.js';
import {App} from '../../cli/ui/App.js';
import {fakeWatchFolder, type FakeWatcher} from './helpers/fakes.js';
import {removeTempWorkspaces, tempWorkspace} from './helpers/workspace.js';

const sessions: AppSession[] = [];

function session(created?: string): AppSession {
	const watchers: FakeWatcher[] = [];
	const made = new AppSession({workspace: tempWorkspace(), env: {}, watchFolder: fakeWatchFolder(watchers), notifyMs: 1, checks: {}, created});
	sessions.push(made);
	return made;
}

afterEach(async () => {
	cleanup();
	for (const made of sessions.splice(0)) await made.close();
	removeTempWorkspaces();
});

describe('a workspace created from the app', () => {
	it('opens with the advice to npm install there, on screen', () => {
		const made = session('my-labs');
		expect(made.getSnapshot().notice?.text).toContain('cd my-labs && npm install');
		const {lastFrame} = render(<App session={made} onQuit={vi.fn()} />);
		expect(lastFrame()!.replace(/\s+/g, ' ')).toContain('cd my-labs && npm install');
	});

	it('and says it again on the shell once the app has quit', () => {
		const state = {root: '/tmp/x/my-labs', passed: 0, labs: [1, 2]};
		expect(farewell(state, '/tmp/x', 'my-labs').split('\n')[1]).toContain('cd my-labs && npm install');
		// An existing workspace: nothing to install-advise.
		expect(farewell(state, '/tmp/x')).not.toContain('npm install');
		expect(farewell({...state, root: path.resolve('/tmp/x')}, '/tmp/x')).toMatch(/^node-cluster-lab: 0 of 2 labs passed\. Every process/);
	});

	it('a workspace that already existed opens without it', () => {
		expect(session().getSnapshot().notice).toBeUndefined();
	});
});
