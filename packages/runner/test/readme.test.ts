import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataCatalog, JSONDataset, node, pipeline, ThreadRunner } from '../src/index.js';

function clean(rows: number[]) {
  return rows.filter((x) => x >= 0);
}
function total(rows: number[], scale: number) {
  return rows.reduce((a, b) => a + b, 0) * scale;
}

describe('README example', () => {
  it('runs as documented', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weft-readme-'));
    try {
      const p = pipeline([
        node(clean, 'raw', 'clean_rows', { name: 'clean' }),
        node(total, ['clean_rows', 'params:scale'], 'total', { name: 'total' }),
      ]);
      const filepath = join(dir, 'out/total.json');
      const catalog = new DataCatalog({
        raw: [3, -1, 4],
        'params:scale': 10,
        total: new JSONDataset({ filepath }),
      });
      expect(await new ThreadRunner().run(p, catalog)).toEqual({ total: 70 });
      expect(JSON.parse(await readFile(filepath, 'utf8'))).toBe(70);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
