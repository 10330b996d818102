/**
`report --html <file>`: one self-contained page a workshop can project. No
script, no external resource: a Content-Security-Policy that allows only the
inline style block makes sure the page fetches nothing, even if escaping were
ever to fail. Every name and message is HTML-escaped after the terminal
clean-up (no ANSI, controls or bidi overrides).
*/
import type {Cell, ClassReport} from './analyse.js';
import {cellText, headline, safeLine} from './render.js';

export function escapeHtml(text: string): string {
	return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Untrusted text, cleaned and escaped for an element or a quoted attribute. */
const h = (text: string, max = Infinity) => escapeHtml(safeLine(text, max));

const CSS = `
:root { color-scheme: light; --pass: #1a7f37; --fail: #c62828; --error: #9a6700; --none: #8c959f; --ink: #1f2328; --muted: #57606a; --line: #d0d7de; }
* { box-sizing: border-box; }
body { margin: 0; padding: 2rem 3rem; font: 20px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color: var(--ink); background: #fff; }
h1 { font-size: 2rem; margin: 0 0 .25rem; }
h2 { font-size: 1.4rem; margin: 2rem 0 .75rem; }
.sub { color: var(--muted); margin: 0 0 1.5rem; }
.labs { display: grid; grid-template-columns: repeat(auto-fill, minmax(22rem, 1fr)); gap: 1rem; }
.lab { border: 1px solid var(--line); border-radius: 10px; padding: 1rem 1.25rem; }
.lab h3 { margin: 0; font-size: 1.15rem; overflow-wrap: anywhere; }
.lab .title { color: var(--muted); font-size: .9rem; margin: 0 0 .6rem; overflow-wrap: anywhere; }
.count { font-size: 1.6rem; font-weight: 700; }
.bar { height: 14px; background: #ffd8d3; border-radius: 7px; overflow: hidden; margin: .35rem 0 .75rem; }
.bar > span { display: block; height: 100%; background: var(--pass); }
.stop { margin: 0; font-size: .95rem; overflow-wrap: anywhere; }
.stop b { color: var(--fail); }
blockquote { margin: .4rem 0 0; padding: .4rem .75rem; border-left: 4px solid var(--fail); background: #fff5f5; font-size: .9rem; white-space: pre-wrap; overflow-wrap: anywhere; }
.everyone { color: var(--pass); font-weight: 600; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: .45rem .7rem; text-align: center; }
th:first-child, td:first-child { text-align: left; overflow-wrap: anywhere; max-width: 18rem; }
thead th { position: sticky; top: 0; background: #f6f8fa; font-size: .9rem; }
td.pass { color: #fff; background: var(--pass); font-weight: 700; }
td.fail { color: var(--fail); background: #ffebe9; font-weight: 700; }
td.error { color: var(--error); background: #fff8c5; font-weight: 700; }
td.none { color: var(--none); }
.legend { color: var(--muted); font-size: .9rem; margin-top: .75rem; }
`;

function cellHtml(cell: Cell): string {
	const title = cell.status === 'fail' ? `${safeLine(cell.stepName, 80)}: ${safeLine(cell.message, 300)}` : cell.status === 'error' ? `checker error: ${safeLine(cell.message, 300)}` : cell.status === 'pass' ? 'passed' : 'not run';
	return `<td class="${cell.status}" title="${escapeHtml(title)}">${escapeHtml(cellText(cell))}</td>`;
}

export function renderHtml(report: ClassReport, generatedAt = new Date()): string {
	const cards = report.labs.map(lab => {
		const percent = lab.attempted === 0 ? 0 : Math.round((lab.passed / lab.attempted) * 100);
		const stop = lab.commonStep;
		const detail = stop
			? `<p class="stop">Most of the others stop at <b>${h(stop.name, 80)}</b> (${stop.learners} of ${lab.attempted - lab.passed})</p><blockquote>${h(stop.message, 400)}</blockquote>`
			: lab.attempted > 0
				? '<p class="stop everyone">Everyone passed.</p>'
				: '';
		return [
			`<section class="lab" data-lab="${h(lab.id)}">`,
			`<h3>${h(lab.id, 60)}</h3>`,
			`<p class="title">${h(lab.title, 120)}</p>`,
			`<div class="count">${lab.passed} of ${lab.attempted} passed</div>`,
			`<div class="bar" role="img" aria-label="${percent}% passed"><span style="width:${percent}%"></span></div>`,
			detail,
			'</section>',
		].join('');
	});
	const head = `<tr><th>Learner</th>${report.labs.map(lab => `<th>${h(lab.id, 40)}</th>`).join('')}<th>Labs passed</th></tr>`;
	const rows = report.learners.map(row => `<tr><td class="learner">${h(row.learner, 80)}</td>${row.cells.map(cellHtml).join('')}<td>${row.labsPassed} of ${report.labs.length}</td></tr>`);
	return [
		'<!doctype html>',
		'<html lang="en">',
		'<head>',
		'<meta charset="utf-8">',
		`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">`,
		'<meta name="referrer" content="no-referrer">',
		'<meta name="viewport" content="width=device-width, initial-scale=1">',
		`<title>${escapeHtml(headline(report))}</title>`,
		`<style>${CSS}</style>`,
		'</head>',
		'<body>',
		'<h1>Class report</h1>',
		`<p class="sub">${escapeHtml(headline(report).replace(/^node-cluster-lab class report: /, ''))} · node-cluster-lab · ${escapeHtml(generatedAt.toISOString().slice(0, 16).replace('T', ' '))} UTC</p>`,
		'<h2>Labs</h2>',
		`<div class="labs">${cards.join('\n')}</div>`,
		'<h2>Learners</h2>',
		`<table><thead>${head}</thead><tbody>`,
		...rows,
		'</tbody></table>',
		'<p class="legend">✓ passed, ✗ failed (steps passed/steps), ! the checker broke (a kit bug), · not run. Hover a cell for the step and its message.</p>',
		'</body>',
		'</html>',
		'',
	].join('\n');
}
