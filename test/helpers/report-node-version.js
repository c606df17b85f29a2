// Preloaded with `node --require` by CLI tests: makes the process report the Node.js version in
// RXDR_TEST_NODE_VERSION, so the entry point's version check can be exercised under any real Node.js.
const reported = process.env.RXDR_TEST_NODE_VERSION;
if (reported) Object.defineProperty(process.versions, 'node', { value: reported });
