import path from 'node:path';
import {expect, it} from 'vitest';
import {runProgramSync} from '../../cli/harness/run-program.js';
import {startersDir} from '../../cli/paths.js';
import {runCheck} from './run-check.js';

// "try it yourself" is a line a learner pastes into a shell: the learner's variables
// only (not the kit's preload in NODE_OPTIONS, nor its files), and valid shell.
it("shows the learner's variables only in 'try it yourself', as valid shell", async () => {
	const outcome = await runCheck('02-proxy', path.join(startersDir, '02-proxy'));
	const repro = outcome.failed?.failure.repro ?? '';
	expect(repro).toMatch(/WORKERS=3 PORT=\d+ HOST=127\.0\.0\.1 npx tsx main\.ts/);
	expect(repro).not.toMatch(/NODE_OPTIONS|NCL_HOLD_FILE/);
	// bash -n parses without running: a syntax error fails with bash's own message.
	runProgramSync('bash', ['-n', '-c', repro]);
}, 60_000);
