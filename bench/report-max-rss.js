// Preloaded (NODE_OPTIONS=--require) by bench/cli.ts: at exit, writes the process's peak resident set size in
// kilobytes to the file named by RXDR_BENCH_MAX_RSS_FILE.
const file = process.env.RXDR_BENCH_MAX_RSS_FILE;
if (file) process.on('exit', () => require('node:fs').writeFileSync(file, String(process.resourceUsage().maxRSS)));
