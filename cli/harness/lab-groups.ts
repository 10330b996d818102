/**
The process groups this kit started (one per keeper, see keeper.mjs), and the
synchronous last resort that ends them all. Apart from lab-process.ts so that
main.ts can end them on a signal without loading how they are started (execa):
--version and the app's first frame stay light.
*/

/** Process groups this kit started and has not yet seen gone. */
export const liveGroups = new Set<number>();

export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
	try {
		process.kill(-pgid, signal);
	} catch {
		// ESRCH: already gone.
	}
}

/**
Synchronous last resort for exit and signal handlers: SIGKILL every group this
kit started. The keepers would do it anyway once our end of their lifeline
closes; doing it here as well makes the order deterministic.
*/
export function killAllLabGroups(): void {
	for (const pgid of liveGroups) signalGroup(pgid, 'SIGKILL');
	liveGroups.clear();
}

process.once('exit', killAllLabGroups);
