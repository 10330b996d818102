/**
The learner's language: `--lang`, then NCL_LANG, then (for the app and the
commands run in a workspace) the choice saved in node-cluster-lab.json, then
the locale (LC_ALL, LC_MESSAGES, LANG, in POSIX order: the first one set
decides; any zh… means zh-CN), English otherwise.
One process speaks one language at a time: main.ts sets it once, the app's
language key changes it live (setLang).
*/

export const LANGS = ['en', 'zh-CN'] as const;
export type Lang = (typeof LANGS)[number];

/** A --lang or NCL_LANG value that names no language we have. */
export class LangError extends Error {}

/** 'en', 'zh-CN' and their usual spellings (zh, zh_CN, zh-cn, zh-Hans, en_US…), or undefined. */
export function parseLang(value: string): Lang | undefined {
	const tag = value.trim().toLowerCase().replace('_', '-').replace(/\..*$/, '');
	if (tag === 'en' || tag.startsWith('en-')) return 'en';
	if (tag === 'zh' || tag === 'zh-cn' || tag === 'zh-hans' || tag === 'zh-hans-cn' || tag === 'zh-sg') return 'zh-CN';
	return undefined;
}

/** The one-line message for a value that names no language. */
export function badLangMessage(from: string, value: string): string {
	return `${from} ${JSON.stringify(value)}: unknown language; choose one of: ${LANGS.join(', ')}`;
}

/** What the locale asks for: the first of LC_ALL, LC_MESSAGES, LANG that is set; zh* → zh-CN, else en. */
export function localeLang(env: Record<string, string | undefined>): Lang {
	const locale = [env.LC_ALL, env.LC_MESSAGES, env.LANG].find(value => value !== undefined && value !== '');
	return locale !== undefined && /^zh/i.test(locale) ? 'zh-CN' : 'en';
}

export type LangSources = {
	/** --lang, as typed. */
	flag?: string;
	env: Record<string, string | undefined>;
	/** The language saved in the workspace (the app's language key), if any. */
	saved?: string;
};

/** The language to use; throws LangError for a --lang or NCL_LANG that names none. */
export function resolveLang({flag, env, saved}: LangSources): Lang {
	if (flag !== undefined) {
		const lang = parseLang(flag);
		if (!lang) throw new LangError(badLangMessage('--lang', flag));
		return lang;
	}
	const fromEnv = env.NCL_LANG;
	if (fromEnv !== undefined && fromEnv !== '') {
		const lang = parseLang(fromEnv);
		if (!lang) throw new LangError(badLangMessage('NCL_LANG', fromEnv));
		return lang;
	}
	const remembered = saved === undefined ? undefined : parseLang(saved);
	return remembered ?? localeLang(env);
}

let current: Lang = 'en';

export function getLang(): Lang {
	return current;
}

export function setLang(lang: Lang): void {
	current = lang;
}

/** The other language (the app's language key cycles through LANGS). */
export function nextLang(lang: Lang): Lang {
	return LANGS[(LANGS.indexOf(lang) + 1) % LANGS.length]!;
}
