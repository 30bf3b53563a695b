/**
 * The table printed after a run: one row per node with its status, the thread it ran on, its
 * duration and its Prefect task run.
 *
 * @module
 */
import { styleText } from 'node:util';
import { formatDuration, type NodeStatus, type RunRecord } from '@weft/viz';
import Table from 'cli-table3';

const COLOURS: Readonly<Record<NodeStatus, Parameters<typeof styleText>[0]>> = {
  completed: 'green',
  failed: 'red',
  running: 'yellow',
  pending: 'gray',
  skipped: 'gray',
  'not-run': 'gray',
};

/** Renders the summary table of a run (`colour`: ANSI colours for a terminal). */
export function renderSummaryTable(record: RunRecord, colour = false): string {
  const paint = (c: Parameters<typeof styleText>[0], text: string) => (colour ? styleText(c, text) : text);
  const table = new Table({
    head: ['Node', 'Status', 'Runner thread', 'Duration', 'Task run'],
    colAligns: ['left', 'left', 'left', 'right', 'left'],
    style: { head: colour ? ['bold'] : [], border: colour ? ['gray'] : [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const n of record.nodes) {
    const status = n.status === 'not-run' ? 'not run' : n.status;
    table.push([
      n.name,
      paint(COLOURS[n.status], status),
      n.thread ?? '–',
      formatDuration(n.durationMs),
      n.taskRunName ?? '–',
    ]);
  }
  return table.toString();
}
