/**
The learner's language and the kit's words in it. English (en.ts) is the
source; each translation is typed against it (a missing key does not compile).
*/
import {hintsZhCN} from '../checks/hints.zh-CN.js';
import {stepTitlesZhCN} from '../checks/titles.zh-CN.js';
import {en, type Strings} from './en.js';
import {getLang, type Lang} from './lang.js';
import {zhCN} from './zh-CN.js';

export {badLangMessage, getLang, LangError, LANGS, localeLang, nextLang, parseLang, resolveLang, setLang, type Lang} from './lang.js';
export type {Strings} from './en.js';

const tables: Record<Lang, Strings> = {en, 'zh-CN': zhCN};

/** The words in the language asked for (by default the process's). */
export function t(lang: Lang = getLang()): Strings {
	return tables[lang];
}

/** A step's title in the language asked for: its zh-CN title from cli/checks/titles.zh-CN.ts, else the checker's own. */
export function stepTitle(lab: string, step: string, english: string, lang: Lang = getLang()): string {
	return lang === 'zh-CN' ? (stepTitlesZhCN[lab]?.[step] ?? english) : english;
}

/** A checker's hint in the language asked for: its zh-CN text from cli/checks/hints.zh-CN.ts when it has one, else as written. */
export function hintText(hint: string, lang: Lang = getLang()): string {
	return lang === 'zh-CN' && Object.hasOwn(hintsZhCN, hint) ? hintsZhCN[hint]! : hint;
}

/** The trigger of a run ("r pressed", "saved main.ts"), in the language asked for. */
export function triggerText(trigger: string, lang: Lang = getLang()): string {
	const words = tables[lang].app.triggers;
	if (trigger.startsWith('saved ')) return words.saved(trigger.slice('saved '.length));
	return Object.hasOwn(words, trigger) && trigger !== 'saved' ? (words[trigger as keyof typeof words] as string) : trigger;
}
