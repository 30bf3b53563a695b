/**
 * publint on a packed tarball: the linter reads the tarball's own package.json and file list, so
 * it judges exactly what would be published.
 *
 * @module
 */
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

/** publint's verdict on one tarball, messages formatted as plain text. */
export interface LintReport {
  /** Errors and warnings (warnings count as errors: publint runs in strict mode). */
  failures: string[];
  /** Suggestions: reported, never fatal. */
  suggestions: string[];
}

/** Runs publint (strict) on the bytes of a `.tgz`. */
export async function lintTarball(bytes: Uint8Array): Promise<LintReport> {
  const copy = bytes.slice();
  const { messages, pkg } = await publint({
    pack: { tarball: copy.buffer },
    strict: true,
    level: 'suggestion',
  });
  const report: LintReport = { failures: [], suggestions: [] };
  for (const message of messages) {
    const text = `${message.code}: ${formatMessage(message, pkg, { color: false }) ?? message.path.join('.')}`;
    (message.type === 'suggestion' ? report.suggestions : report.failures).push(text);
  }
  return report;
}
