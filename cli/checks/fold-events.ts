import type {CheckEvent, LabResult} from './events.js';

/** How many printed lines a LabResult keeps as context. */
export const OUTPUT_CONTEXT_LINES = 20;

/**
Folds one lab's event stream into its result. Reporters that print at the end
(json, junit, tap, github) use this; so do tests.
*/
export function foldLabEvents(events: readonly CheckEvent[]): LabResult[] {
	const results: LabResult[] = [];
	let current: LabResult | undefined;
	for (const event of events) {
		switch (event.type) {
			case 'lab-start': {
				current = {lab: event.lab, title: event.title, dir: event.dir, entry: event.entry, status: 'failed', durationMs: 0, steps: [], output: []};
				results.push(current);
				break;
			}
			case 'step-pass': {
				current?.steps.push({id: event.step, title: event.title, status: 'passed', durationMs: event.durationMs, note: event.note});
				break;
			}
			case 'step-fail': {
				current?.steps.push({id: event.step, title: event.title, status: 'failed', durationMs: event.durationMs, failure: event.failure});
				break;
			}
			case 'step-skip': {
				current?.steps.push({id: event.step, title: event.title, status: 'skipped', durationMs: 0, skipReason: event.reason});
				break;
			}
			case 'output': {
				if (current) {
					current.output.push(`${event.stream === 'stderr' ? '!' : ' '} ${event.line}`);
					if (current.output.length > OUTPUT_CONTEXT_LINES) current.output.shift();
				}
				break;
			}
			case 'lab-end': {
				if (current) {
					current.status = event.status;
					current.durationMs = event.durationMs;
					if (event.error) current.error = event.error;
				}
				break;
			}
			default:
				break;
		}
	}
	return results;
}
