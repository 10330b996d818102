import {createHash} from 'node:crypto';

/**
Which mutants a run proves. The whole sweep (every mutant of every lab, each a
full checker run of 5–20 s) is what `npm run test:stress` and a developer's
`npm test` run. CI runs on shared 2-core machines under a time limit, so there
it proves a sample: NCL_MUTANT_SAMPLE (a fraction, default 0.5 when CI is set,
1 otherwise; NCL_FULL=1 forces 1). The sample changes every UTC day, so over a
week of CI runs every mutant is proven several times, and it is the same for
every run of one day, so a red run can be repeated.
*/
export function mutantSampleFraction(env: NodeJS.ProcessEnv = process.env): number {
	if (env.NCL_FULL === '1') return 1;
	const asked = env.NCL_MUTANT_SAMPLE === undefined ? (env.CI ? 0.5 : 1) : Number(env.NCL_MUTANT_SAMPLE);
	return Number.isFinite(asked) ? Math.min(1, Math.max(0, asked)) : 1;
}

export function inSample(key: string, fraction: number, day = new Date().toISOString().slice(0, 10)): boolean {
	if (fraction >= 1) return true;
	const hash = createHash('sha256').update(`${day}:${key}`).digest().readUInt32BE(0);
	return hash / 2 ** 32 < fraction;
}
