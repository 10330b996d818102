/**
A deliberately small, strict XML 1.0 reader for the JUnit tests: elements,
attributes, character data, the five predefined entities and character
references. It throws on anything not well-formed that the reporter could get
wrong (unbalanced tags, raw "<" or "&" in the wrong place, illegal characters).
*/
export type XmlElement = {name: string; attrs: Record<string, string>; children: XmlElement[]; text: string};

// eslint-disable-next-line no-control-regex
const ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const NAME = /^[A-Za-z_:][\w.:-]*/;

function decode(raw: string, where: string): string {
	if (ILLEGAL.test(raw)) throw new Error(`illegal character in ${where}: ${JSON.stringify(raw)}`);
	return raw.replace(/&([^;]*);?/g, (whole, body: string) => {
		if (!whole.endsWith(';')) throw new Error(`unterminated entity in ${where}: ${JSON.stringify(raw)}`);
		const named: Record<string, string> = {amp: '&', lt: '<', gt: '>', quot: '"', apos: "'"};
		if (body in named) return named[body];
		const dec = /^#(\d+)$/.exec(body);
		if (dec) return String.fromCodePoint(Number(dec[1]));
		const hex = /^#x([\da-fA-F]+)$/.exec(body);
		if (hex) return String.fromCodePoint(Number.parseInt(hex[1], 16));
		throw new Error(`unknown entity &${body}; in ${where}`);
	});
}

export function parseXml(source: string): XmlElement {
	let pos = 0;
	const fail = (message: string): never => {
		throw new Error(`${message} at offset ${pos}: ${JSON.stringify(source.slice(pos, pos + 40))}`);
	};
	if (source.startsWith('<?xml')) {
		const end = source.indexOf('?>');
		if (end === -1) fail('unterminated XML declaration');
		pos = end + 2;
	}
	const stack: XmlElement[] = [];
	let root: XmlElement | undefined;
	while (pos < source.length) {
		const lt = source.indexOf('<', pos);
		const textEnd = lt === -1 ? source.length : lt;
		const rawText = source.slice(pos, textEnd);
		if (rawText.includes(']]>')) fail('"]]>" in character data');
		const text = decode(rawText, 'text');
		if (stack.length === 0) {
			if (text.trim() !== '') fail('text outside the root element');
		} else {
			stack[stack.length - 1].text += text;
		}
		if (lt === -1) break;
		pos = lt;
		if (source.startsWith('</', pos)) {
			pos += 2;
			const name = NAME.exec(source.slice(pos))?.[0] ?? fail('bad closing tag name');
			pos += name.length;
			while (/\s/.test(source[pos] ?? '')) pos++;
			if (source[pos] !== '>') fail('bad closing tag');
			pos++;
			const open = stack.pop();
			if (!open || open.name !== name) fail(`</${name}> does not close <${open?.name}>`);
			continue;
		}
		pos++;
		const name = NAME.exec(source.slice(pos))?.[0] ?? fail('bad tag name');
		pos += name.length;
		const element: XmlElement = {name, attrs: {}, children: [], text: ''};
		for (;;) {
			const before = pos;
			while (/\s/.test(source[pos] ?? '')) pos++;
			if (source.startsWith('/>', pos) || source[pos] === '>') break;
			if (pos === before) fail('attributes must be separated by whitespace');
			const attr = NAME.exec(source.slice(pos))?.[0] ?? fail('bad attribute name');
			pos += attr.length;
			if (source[pos] !== '=') fail('expected = after attribute name');
			pos++;
			const quote = source[pos];
			if (quote !== '"' && quote !== "'") fail('attribute value must be quoted');
			const end = source.indexOf(quote, pos + 1);
			if (end === -1) fail('unterminated attribute value');
			const raw = source.slice(pos + 1, end);
			if (raw.includes('<')) fail(`raw "<" in attribute ${attr}`);
			if (attr in element.attrs) fail(`duplicate attribute ${attr}`);
			// Attribute-value normalisation: literal whitespace becomes a space, character references survive.
			element.attrs[attr] = decode(raw.replace(/[\t\n\r]/g, ' '), `attribute ${attr}`);
			pos = end + 1;
		}
		const selfClosing = source.startsWith('/>', pos);
		pos += selfClosing ? 2 : 1;
		if (stack.length === 0) {
			if (root) fail('more than one root element');
			root = element;
		} else {
			stack[stack.length - 1].children.push(element);
		}
		if (!selfClosing) stack.push(element);
	}
	if (stack.length > 0) throw new Error(`unclosed <${stack[stack.length - 1].name}>`);
	if (!root) throw new Error('no root element');
	return root;
}

export function findAll(element: XmlElement, name: string): XmlElement[] {
	return element.children.flatMap((child) => [...(child.name === name ? [child] : []), ...findAll(child, name)]);
}
