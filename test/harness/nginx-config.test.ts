import {describe, expect, it} from 'vitest';
import {findNginx, renderTemplate} from '../../cli/harness/nginx.js';
import {newConnections} from '../../cli/harness/upstream-connections.js';

describe('renderTemplate (lab 10-nginx)', () => {
	it('fills only the names it is given and leaves nginx variables alone, line for line', () => {
		const template = 'listen ${HOST}:${PORT};\nproxy_pass http://${STRATEGY};\nproxy_set_header X-Real-IP $remote_addr;\nset $x ${request_uri}${OTHER};\n';
		const rendered = renderTemplate(template, {HOST: '127.0.0.1', PORT: '8080', STRATEGY: 'ip-hash'});
		expect(rendered).toBe('listen 127.0.0.1:8080;\nproxy_pass http://ip-hash;\nproxy_set_header X-Real-IP $remote_addr;\nset $x ${request_uri}${OTHER};\n');
		expect(rendered.split('\n')).toHaveLength(template.split('\n').length);
	});
});

describe('newConnections', () => {
	it('counts the keys that are new, per backend address', () => {
		const before = new Set(['127.0.0.1:40000>127.0.0.2']);
		const after = new Set(['127.0.0.1:40000>127.0.0.2', '127.0.0.1:40001>127.0.0.2', '127.0.0.1:40002>127.0.0.4']);
		const found = newConnections(before, after);
		expect(found.total).toBe(2);
		expect([...found.byBackend]).toEqual([
			['127.0.0.2', 1],
			['127.0.0.4', 1],
		]);
	});
});

describe('findNginx', () => {
	it('takes NCL_NGINX when it names an executable, and nothing when it does not', () => {
		expect(findNginx({NCL_NGINX: '/bin/sh', PATH: ''})).toBe('/bin/sh');
		expect(findNginx({NCL_NGINX: '/nonexistent/nginx', PATH: '/usr/sbin'})).toBeUndefined();
	});
});
