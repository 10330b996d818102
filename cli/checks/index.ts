import type {LabCheck} from './step.js';
import {ipcCheck} from './01-ipc.js';
import {sharedHandleCheck} from './03-shared-handle.js';
import {dispatchCheck} from './04-dispatch.js';
import {autoRestartCheck} from './05-auto-restart.js';

/** Every lab's checker, by lab id. A kit test fails when a lesson has none. */
export const checks: Record<string, LabCheck> = {
	[ipcCheck.lab]: ipcCheck,
	[sharedHandleCheck.lab]: sharedHandleCheck,
	[dispatchCheck.lab]: dispatchCheck,
	[autoRestartCheck.lab]: autoRestartCheck,
};
