// The node upgrade-probe.mjs runs on every runner: it reports which @weft/runner the thread or
// process it runs in has loaded (version from the installed package.json, and the marker export
// the release test's patch release adds).
import { readFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import * as runner from '@weft/runner';

export function loadedRunner(tag) {
  const manifestUrl = new URL('../package.json', import.meta.resolve('@weft/runner'));
  const { version } = JSON.parse(readFileSync(manifestUrl, 'utf8'));
  return { tag, version, marker: runner.RELEASE_TEST_PATCH ?? null, pid: process.pid, threadId };
}

export const probe = runner.pipeline([runner.node(loadedRunner, 'tag', 'loaded', { name: 'loaded-runner' })]);
