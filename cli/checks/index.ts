import type {LabCheck} from './step.js';
import {ipcCheck} from './01-ipc.js';
import {proxyCheck} from './02-proxy.js';
import {sharedHandleCheck} from './03-shared-handle.js';
import {autoRestartCheck} from './05-auto-restart.js';
import {dispatchCheck} from './04-dispatch.js';
import {clusterCheck} from './07-cluster.js';
import {clusterInternalsCheck} from './08-cluster-internals.js';
import {rollingReloadCheck} from './06-rolling-reload.js';
import {nginxCheck} from './10-nginx.js';
import {sharedStateCheck} from './09-shared-state.js';

/** Every lab's checker, by lab id. A kit test fails when a lesson has none. */
export const checks: Record<string, LabCheck> = {
	[ipcCheck.lab]: ipcCheck,
	[proxyCheck.lab]: proxyCheck,
	[sharedHandleCheck.lab]: sharedHandleCheck,
	[autoRestartCheck.lab]: autoRestartCheck,
	[dispatchCheck.lab]: dispatchCheck,
	[rollingReloadCheck.lab]: rollingReloadCheck,
	[clusterCheck.lab]: clusterCheck,
	[clusterInternalsCheck.lab]: clusterInternalsCheck,
	[nginxCheck.lab]: nginxCheck,
	[sharedStateCheck.lab]: sharedStateCheck,
};
