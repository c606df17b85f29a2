// Preloaded with `node --require` by CLI tests: at exit, writes every module file the process loaded to the
// file named by RXDR_TEST_LOADED_MODULES, so a test can see what a command pulled in.
const { writeFileSync } = require('node:fs');
const out = process.env.RXDR_TEST_LOADED_MODULES;
if (out) process.on('exit', () => writeFileSync(out, JSON.stringify(Object.keys(require.cache))));
