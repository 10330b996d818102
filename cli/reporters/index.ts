import {createClassroom50Reporter} from './classroom50.js';
import {createGithubReporter} from './github.js';
import {createGradescopeReporter} from './gradescope.js';
import {createJsonReporter} from './json.js';
import {createJunitReporter} from './junit.js';
import {createPrairieLearnReporter} from './prairielearn.js';
import {createPrettyReporter} from './pretty.js';
import {createTapReporter} from './tap.js';
import type {Reporter, ReporterName, ReporterOptions} from './types.js';

export type {Reporter, ReporterName, ReporterOptions} from './types.js';
export {reporterNames} from './types.js';

const factories: Record<ReporterName, (options: ReporterOptions) => Reporter> = {
	pretty: createPrettyReporter,
	json: createJsonReporter,
	junit: createJunitReporter,
	tap: createTapReporter,
	github: createGithubReporter,
	classroom50: createClassroom50Reporter,
	gradescope: createGradescopeReporter,
	prairielearn: createPrairieLearnReporter,
};

/** The reporter called `name`, writing through options.write. */
export function createReporter(name: ReporterName, options: ReporterOptions): Reporter {
	const factory = factories[name];
	if (!factory) throw new Error(`unknown reporter "${String(name)}" (expected one of: ${Object.keys(factories).join(', ')})`);
	return factory(options);
}
