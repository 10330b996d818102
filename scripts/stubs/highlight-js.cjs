// cli-highlight (under marked-terminal) requires all of highlight.js: ~190 languages,
// 1.4 MB that every command would parse at start-up. Lessons fence code as ts, js,
// sh, json, http, nginx, ini, yaml, diff, html/xml or text; only those are kept.
// CommonJS like the real module, since cli-highlight require()s it. The paths are
// relative (so they escape the 'highlight.js' alias) and literal (so esbuild does
// not pull in the whole languages folder).
const hljs = require('../../node_modules/highlight.js/lib/core.js');

hljs.registerLanguage('bash', require('../../node_modules/highlight.js/lib/languages/bash.js'));
hljs.registerLanguage('diff', require('../../node_modules/highlight.js/lib/languages/diff.js'));
hljs.registerLanguage('http', require('../../node_modules/highlight.js/lib/languages/http.js'));
hljs.registerLanguage('ini', require('../../node_modules/highlight.js/lib/languages/ini.js'));
hljs.registerLanguage('javascript', require('../../node_modules/highlight.js/lib/languages/javascript.js'));
hljs.registerLanguage('json', require('../../node_modules/highlight.js/lib/languages/json.js'));
hljs.registerLanguage('nginx', require('../../node_modules/highlight.js/lib/languages/nginx.js'));
hljs.registerLanguage('plaintext', require('../../node_modules/highlight.js/lib/languages/plaintext.js'));
hljs.registerLanguage('shell', require('../../node_modules/highlight.js/lib/languages/shell.js'));
hljs.registerLanguage('typescript', require('../../node_modules/highlight.js/lib/languages/typescript.js'));
hljs.registerLanguage('xml', require('../../node_modules/highlight.js/lib/languages/xml.js'));
hljs.registerLanguage('yaml', require('../../node_modules/highlight.js/lib/languages/yaml.js'));

module.exports = hljs;
