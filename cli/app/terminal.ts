/**
Whether the interactive app can run here, and what to say when it cannot. Kept
apart from the app so that deciding costs no import of Ink.
*/

/** As Ink's is-in-ci decides it: Ink draws nothing live when this is true. */
export function inCi(env: Record<string, string | undefined>): boolean {
	const set = (key: string) => env[key] !== undefined && env[key] !== '0' && env[key] !== 'false';
	return set('CI') || set('CONTINUOUS_INTEGRATION');
}

/** Why the app cannot run (undefined when it can). */
export function noTerminalReason(env: Record<string, string | undefined>, stdinIsTty: boolean, stdoutIsTty: boolean): string | undefined {
	if (inCi(env)) return 'CI is set';
	if (!stdinIsTty) return 'its input is not a terminal';
	if (!stdoutIsTty) return 'its output is not a terminal';
	return undefined;
}

export function noTerminalMessage(bin: string, reason: string): string {
	return [
		`${bin}: the interactive app needs a terminal (${reason}).`,
		'Check your work without it:',
		`  npx ${bin} verify          # the current lab`,
		`  npx ${bin} verify --all    # every lab`,
		`Every command: npx ${bin} --help`,
	].join('\n');
}

/** NO_COLOR (https://no-color.org) and FORCE_COLOR=0 both turn colours off; chalk only reads FORCE_COLOR. */
export function colourOff(env: Record<string, string | undefined>): boolean {
	return (env.NO_COLOR !== undefined && env.NO_COLOR !== '') || env.FORCE_COLOR === '0' || env.FORCE_COLOR === 'false';
}
