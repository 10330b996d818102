/**
bench --html: one self-contained page (inline CSS, no script, no fetch) with the
table and a bar per row, for a workshop to project.
*/
import type {BenchReport} from './run.js';
import type {Mode} from './strategies.js';

export type HtmlSummary = {rps: number; min: number; max: number; ratio: number; p50: number; p99: number; busiest: number; pids: number; cores: {front: number; workers: number; generator: number}};

function escape(text: string): string {
	return text.replace(/[&<>"']/g, char => `&#${char.charCodeAt(0)};`);
}

export function benchHtml(report: BenchReport, summaries: Map<string, Record<Mode, HtmlSummary | undefined>>, why: Map<string, Record<Mode, string>>, seeds: Record<string, string>, heading?: string): string {
	const {options, machine} = report;
	const sections = (['keep-alive', 'fresh'] as Mode[]).map(mode => {
		const best = Math.max(1, ...report.results.map(result => summaries.get(result.id)?.[mode]?.rps ?? 0));
		const rows = report.results
			.map(result => {
				const summary = summaries.get(result.id)?.[mode];
				if (!summary) return `<tr><th>${escape(result.id)}</th><td colspan="7">${result.skipped ? `skipped: ${escape(result.skipped)}` : `not measured: ${escape(result.failed ?? 'no samples')}`}</td></tr>`;
				const width = ((summary.rps / best) * 100).toFixed(1);
				const cpu = summary.cores;
				return `<tr><th>${escape(result.id)}</th><td class="n">${Math.round(summary.rps)}<small> (${Math.round(summary.min)}–${Math.round(summary.max)})</small></td><td class="n">${Number.isNaN(summary.ratio) ? '–' : summary.ratio.toFixed(2)}</td><td class="n">${summary.p50.toFixed(2)}</td><td class="n">${summary.p99.toFixed(2)}</td><td class="n">${summary.busiest.toFixed(2)} of ${summary.pids}</td><td class="n">${cpu.front.toFixed(2)} / ${cpu.workers.toFixed(2)} / ${cpu.generator.toFixed(2)}</td><td class="bar"><div style="width:${width}%"></div></td></tr><tr class="why"><td></td><td colspan="7">${escape(why.get(result.id)?.[mode] ?? '')}</td></tr>`;
			})
			.join('\n');
		return `<h2>${mode === 'keep-alive' ? `Keep-alive: ${options.connections} connections, reused` : 'A new connection per request'}</h2>
<table><thead><tr><th>strategy</th><th>req/s (min–max)</th><th>× rr</th><th>p50 ms</th><th>p99 ms</th><th>busiest share</th><th>CPU cores: front / workers / generator</th><th></th></tr></thead>
<tbody>
${rows}
</tbody></table>`;
	});
	const seedRows = Object.entries(seeds)
		.map(([id, text]) => `<li><b>${escape(id)}</b>: ${escape(text)}</li>`)
		.join('');
	return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>node-cluster-lab bench</title>
<style>
body{font:16px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;width:100%}
th,td{padding:.3em .6em;text-align:left;border-bottom:1px solid #ddd}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.bar{width:30%}td.bar div{background:#3b7dd8;height:1em}
tr.why td{border-bottom:1px solid #bbb;color:#555;font-size:.9em}
small{color:#777}
tbody th{white-space:nowrap}
</style></head><body>
<h1>node-cluster-lab bench</h1>
<p>${escape(`${heading ?? `${options.labsRoot ? `your labs in ${options.labsRoot}` : 'the reference solutions'}: ${options.workers} workers, ${options.connections} connections, ${options.rounds} rounds of ${options.seconds} s per strategy and mode; medians (min–max)`}. Machine: ${machine.cores} cores, node ${machine.node}, load average ${machine.loadAverage.map(load => load.toFixed(1)).join(' ')} at the end.`)}</p>
${sections.join('\n')}
<h2>The seeds, for comparison</h2><ul>${seedRows}</ul>
<p>busiest share = the busiest pid's fraction of the answers. × rr = req/s over cluster-rr's in the same round. The generator runs on the same ${machine.cores} cores as the servers: every core it uses is one the servers do not get.</p>
</body></html>
`;
}
