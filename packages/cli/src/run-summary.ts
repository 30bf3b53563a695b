/**
 * What `weft run` prints when a run is over: a table of the nodes, one line on the run, the
 * versions it saved, where it was reported to Prefect; after a failure, the node's error and the
 * command that resumes the run (Kedro's wording).
 *
 * @module
 */
import { relative, sep } from 'node:path';
import { styleText } from 'node:util';
import Table from 'cli-table3';
import { formatDuration } from './progress-display.js';
import type { NodeStatus, RunRecord } from './run-events.js';

const COLOURS: Readonly<Record<NodeStatus, Parameters<typeof styleText>[0]>> = {
  pending: 'gray',
  running: 'yellow',
  completed: 'green',
  failed: 'red',
  skipped: 'gray',
  'not-run': 'gray',
};

/** Options of {@link renderSummary}. */
export interface SummaryOptions {
  /** ANSI colours. */
  readonly colour: boolean;
  /** Paths are shown relative to this folder. */
  readonly cwd: string;
}

/** A path relative to `cwd` when inside it. */
export function showPath(path: string, cwd: string): string {
  const r = relative(cwd, path);
  return r === '' ? '.' : r.startsWith('..') ? path : r.split(sep).join('/');
}

/** The summary table and lines. */
export function renderSummary(record: RunRecord, options: SummaryOptions): string {
  const paint = (c: Parameters<typeof styleText>[0], text: string) =>
    options.colour ? styleText(c, text) : text;
  const withTaskRuns = record.nodes.some((n) => n.taskRun !== undefined);
  const withThreads = record.nodes.some((n) => n.thread !== undefined);
  const table = new Table({
    head: [
      'Node',
      'Status',
      ...(withThreads ? ['Thread'] : []),
      'Duration',
      ...(withTaskRuns ? ['Task run'] : []),
    ],
    colAligns: ['left', 'left', ...(withThreads ? ['left' as const] : []), 'right', 'left'],
    style: { head: options.colour ? ['bold'] : [], border: options.colour ? ['gray'] : [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const n of record.nodes) {
    const status = n.status === 'not-run' ? 'not run' : n.status;
    table.push([
      n.name,
      paint(COLOURS[n.status], status),
      ...(withThreads ? [n.thread ?? '–'] : []),
      formatDuration(n.durationMs),
      ...(withTaskRuns ? [n.taskRun?.name ?? '–'] : []),
    ]);
  }
  const lines = [table.toString()];
  const ran = record.nodes.filter((n) => n.status === 'completed').length;
  const skipped = record.skipped.length;
  const word =
    record.status === 'completed'
      ? paint('green', 'Completed')
      : record.status === 'cancelled'
        ? paint('yellow', 'Cancelled')
        : paint('red', 'Failed');
  lines.push(
    `${word}: ${ran} of ${record.nodes.length} nodes ran${skipped > 0 ? `, ${skipped} skipped (outputs exist)` : ''} in ${formatDuration(record.durationMs)} · pipeline ${record.pipelines.join(', ')} · env ${record.env} · runner ${record.runnerDescription}`,
  );
  if (record.savedVersions.length > 0) {
    lines.push(`Saved version ${record.saveVersion}:`);
    for (const v of record.savedVersions) lines.push(`  ${v.dataset} → ${showPath(v.path, options.cwd)}`);
  }
  const loaded = Object.entries(record.loadVersions);
  if (loaded.length > 0) lines.push(`Loaded versions: ${loaded.map(([d, v]) => `${d}:${v}`).join(', ')}`);
  const p = record.prefect;
  if (p !== undefined && p.mode === 'server') {
    if (!p.reachable) {
      lines.push(
        paint(
          'yellow',
          `Prefect: ${p.apiUrl} could not be reached (${p.problem}); this run was not reported.`,
        ),
      );
    } else if (p.reported) {
      lines.push(`Prefect: reported to ${p.apiUrl} · flow run '${p.flowRunName}': ${p.flowRunUrl}`);
      if (p.logsLost !== undefined)
        lines.push(paint('yellow', `Prefect: ${p.logsLost} log records did not reach the server.`));
    } else {
      lines.push(
        paint(
          'yellow',
          `Prefect: the run was not fully reported to ${p.apiUrl} (${p.problem})${p.flowRunUrl === undefined ? '' : `; flow run '${p.flowRunName}': ${p.flowRunUrl}`}.`,
        ),
      );
    }
  } else if (p?.flowRunName !== undefined) {
    lines.push(`Flow run '${p.flowRunName}' (local run context; --prefect reports it to a server)`);
  }
  const t = record.trace;
  if (t !== undefined) {
    lines.push(
      t.problem === undefined
        ? `Trace: ${t.traceId ?? '(no run span)'} exported to ${t.exportedTo}`
        : paint(
            'yellow',
            `Trace: ${t.traceId ?? '(no run span)'}: exporting to ${t.exportedTo} failed (${t.problem}).`,
          ),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Quotes a word for a POSIX shell when it needs it. */
export function shellQuote(word: string): string {
  if (/^[\w@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command that resumes a failed run: the same `weft run` arguments with `--from-nodes`
 * replaced by the suggestion (every other filter and option kept, as Kedro's "add to your
 * previous command").
 */
export function resumeCommand(
  program: string,
  args: readonly string[],
  fromNodes: readonly string[],
): string {
  const kept: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--from-nodes') {
      i++;
      continue;
    }
    if (arg.startsWith('--from-nodes=')) continue;
    kept.push(arg);
  }
  return [program, ...kept.map(shellQuote), '--from-nodes', shellQuote(fromNodes.join(','))].join(' ');
}

/** Kedro's resume lines for the command line, and the whole command to paste. */
export function renderResume(record: RunRecord, command: string | undefined): string {
  const resume = record.resume;
  if (resume === undefined) return '';
  if (resume.fromNodes.length === 0) {
    return 'No nodes ran. Repeat the previous command to attempt a new run.\n';
  }
  const lines = [
    `There are ${resume.remaining} nodes that have not run.`,
    'You can resume the pipeline run from the nearest nodes with persisted inputs by adding the following argument to your previous command:',
    `  --from-nodes "${resume.fromNodes.join(',')}"`,
  ];
  if (command !== undefined) lines.push('To resume, run:', `  ${command}`);
  return `${lines.join('\n')}\n`;
}
