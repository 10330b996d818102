import {createHmac, scryptSync, timingSafeEqual} from 'node:crypto';

/**
Workshop codes: an instructor opens one lab's solution at a time by reading a
short code out to the room. No server: the instructor's template workspace
holds, per lab, a verifier of that lab's code (a slow scrypt hash, so the code
cannot be recovered from the file by trying them all), and `unlock <code>`
records the labs it opens in the learner's own progress file.

Codes are derived from a passphrase only the instructor knows, so the table can
be printed again on the day from the passphrase alone. This paces a room; it
is not a secret: the reference solutions ship inside the npm package.
*/

/** Crockford's base32 without I, L, O, U: nothing to mishear or misread. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 8 characters = 40 bits: read out as two groups of four. */
const CODE_LENGTH = 8;
/** scrypt's cost: about 20 ms per try on an idle 2-core machine, so trying all 2^40 codes is out of reach. */
const SCRYPT = {N: 2 ** 13, r: 8, p: 1} as const;

/** The code that opens `lab`'s solution, for this passphrase: e.g. K7M2-QX9P. */
export function codeFor(passphrase: string, lab: string): string {
	const digest = createHmac('sha256', passphrase).update(`node-cluster-lab solution ${lab}`).digest();
	let code = '';
	for (let index = 0; index < CODE_LENGTH; index++) code += ALPHABET[digest[index]! % ALPHABET.length];
	return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** What a learner typed, as the code is stored: upper case, no dashes or spaces, misreadings mapped (O→0, I/L→1). */
export function normalizeCode(typed: string): string {
	return typed
		.toUpperCase()
		.replace(/[\s-]/g, '')
		.replace(/O/g, '0')
		.replace(/[IL]/g, '1');
}

/** True when `typed` could be a code at all (8 characters of the alphabet), before any slow hashing. */
export function looksLikeCode(typed: string): boolean {
	const code = normalizeCode(typed);
	return code.length === CODE_LENGTH && [...code].every(character => ALPHABET.includes(character));
}

/** The verifier stored in the workspace for `lab`'s code: hex of scrypt(code, lab). */
export function verifierFor(code: string, lab: string): string {
	return scryptSync(normalizeCode(code), `node-cluster-lab ${lab}`, 32, SCRYPT).toString('hex');
}

/** The lab among `verifiers` that `typed` opens, if any. */
export function labOpenedBy(typed: string, verifiers: Record<string, string>): string | undefined {
	if (!looksLikeCode(typed)) return undefined;
	for (const [lab, verifier] of Object.entries(verifiers)) {
		const expected = Buffer.from(verifier, 'hex');
		const actual = Buffer.from(verifierFor(typed, lab), 'hex');
		if (expected.length === actual.length && timingSafeEqual(expected, actual)) return lab;
	}
	return undefined;
}
