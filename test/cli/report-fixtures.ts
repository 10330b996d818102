/** A class's json results, written the way verify's json reporter writes them, for the report tests. */
import fs from 'node:fs';
import path from 'node:path';
import type {CheckEvent} from '../../cli/checks/events.js';
import {buildJsonReport} from '../../cli/reporters/json.js';
import {erroringLab, failingLab, passingLab, summaryOf} from '../reporters/fixtures.js';

export const EVIL_NAME = '<img src=x onerror="document.title=\'pwned\'"> \u001B[31mEve\u001B[0m\u202Eevil';

/** Lab 02 passed: the failing fixture's ids with every step passing. */
function passing02(): CheckEvent[] {
	return passingLab().map(event => ({...event, lab: '02-cluster'}) as CheckEvent);
}

/** A failure at another step of 02-cluster, with a message that differs from the fixture's. */
function failing02AtBoot(message: string): CheckEvent[] {
	return [
		{type: 'lab-start', lab: '02-cluster', title: 'The cluster module', dir: '/r', entry: '/r/server.js', env: {}, steps: []},
		{type: 'step-fail', lab: '02-cluster', step: 'boot', title: 'boots', durationMs: 5, failure: {message}},
		{type: 'step-skip', lab: '02-cluster', step: 'share', title: 'shares the port #2', reason: 'an earlier step failed'},
		{type: 'lab-end', lab: '02-cluster', status: 'failed', durationMs: 6},
	];
}

export function writeDoc(file: string, events: CheckEvent[], env: Record<string, string> = {}, change?: (doc: Record<string, unknown>) => void): void {
	const doc = buildJsonReport(summaryOf(events), '/repo', env) as unknown as Record<string, unknown>;
	change?.(doc);
	fs.mkdirSync(path.dirname(file), {recursive: true});
	fs.writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
}

/**
Six learners in folders named after them (as `gh run download` lays out
artifacts): 01-ipc 4 of 5 passed; 02-cluster 1 of 6 passed, 3 stop at "share"
(messages differing only in numbers), 2 at "boot"; 03-sticky a checker error.
*/
export function writeClass(root: string): void {
	const shareFail = (n: number) =>
		failingLab().map(event => (event.type === 'step-fail' ? {...event, failure: {...event.failure, message: `${n} requests got another request's answer`}} : event));
	writeDoc(path.join(root, 'alice/labs-results.json'), [...passingLab(), ...shareFail(3)]);
	writeDoc(path.join(root, 'bob/labs-results.json'), [...passingLab(), ...passing02()]);
	writeDoc(path.join(root, 'carol/labs-results.json'), [...passingLab(), ...shareFail(7), ...erroringLab()]);
	writeDoc(path.join(root, 'dave/labs-results.json'), [...failing02AtBoot('no port 23457 after 5 s')]);
	writeDoc(path.join(root, 'erin/labs-results.json'), [...passingLab(), ...failing02AtBoot('no port 23999 after 5 s')]);
	writeDoc(path.join(root, 'mallory/labs-results.json'), [...passingLab().map(event => (event.type === 'step-pass' && event.step === 'ipc' ? ({type: 'step-fail', lab: event.lab, step: 'ipc', title: event.title, durationMs: 1, failure: {message: '</blockquote><script>document.title="pwned"</script>'}} as CheckEvent) : event.type === 'lab-end' ? {...event, status: 'failed' as const} : event)), ...shareFail(12)], {NCL_LEARNER: EVIL_NAME});
}
