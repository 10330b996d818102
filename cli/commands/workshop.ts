import {loadCatalog} from '../catalog.js';
import {UsageError, UserError, type Command} from '../command.js';
import {codeFor, verifierFor} from '../workshop.js';
import {labOrThrow, requireWorkspace} from './context.js';

const PASSPHRASE_VARIABLE = 'NCL_WORKSHOP_PASSPHRASE';

export const workshopCommand: Command = {
	name: 'workshop',
	summary: 'for instructors: lock each lab\'s solution behind a code you read out on the day',
	usage: 'workshop [lab...] [--print]',
	help: [
		'Run it in the workspace your learners will clone (your template repository), with a',
		`passphrase only you know in ${PASSPHRASE_VARIABLE}. For each lab (all, or those named) it`,
		'writes a verifier of that lab\'s code into node-cluster-lab.json and prints the codes.',
		'Commit node-cluster-lab.json; keep the passphrase and the codes to yourself.',
		'',
		'On the day, read a lab\'s code out when you want the room to see its solution; each learner',
		'types `npx node-cluster-lab unlock <code>` (or enters it in the app\'s solution screen).',
		'',
		`  --print   print the codes again from ${PASSPHRASE_VARIABLE}, without writing anything`,
		'',
		'This paces a room; it is not a secret: the solutions ship inside the npm package.',
	].join('\n'),
	options: {dir: {type: 'string'}, print: {type: 'boolean'}},
	async run({values, positionals}, io) {
		const passphrase = io.env[PASSPHRASE_VARIABLE];
		if (!passphrase) throw new UsageError(`set ${PASSPHRASE_VARIABLE} to a passphrase only you know: the codes are derived from it, so the same passphrase prints the same codes on the day`);
		if (passphrase.length < 12) throw new UserError(`${PASSPHRASE_VARIABLE} is ${passphrase.length} characters: use at least 12 (a few words), since anyone who guesses it can print every code`);
		const workspace = requireWorkspace(io, values.dir);
		const labs = positionals.length > 0 ? positionals.map(id => labOrThrow(id)) : loadCatalog();
		const codes = labs.map(lab => ({lab: lab.id, code: codeFor(passphrase, lab.id)}));
		if (!values.print) {
			const solutions = {...workspace.state.workshop?.solutions};
			for (const {lab, code} of codes) solutions[lab] = verifierFor(code, lab);
			workspace.state.workshop = {solutions};
			workspace.save();
		}
		const width = Math.max(...codes.map(({lab}) => lab.length));
		io.out(codes.map(({lab, code}) => `${lab.padEnd(width)}  ${code}`).join('\n'));
		if (!values.print) io.out(`\n${codes.length} solution${codes.length === 1 ? '' : 's'} locked in ${workspace.root}/node-cluster-lab.json: commit it, and keep these codes to yourself.`);
		return 0;
	},
};
