/**
 * Atomic writes never leave a half-written file, and the temporary files of writers that were
 * killed are removed by a later write into the folder, never those of a live writer.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WRITER_TAG } from '../src/atomic-write.js';
import { FOREIGN_TEMP_MAX_AGE_MS, removeStaleTempFiles, writeFileAtomic } from '../src/extend.js';
import { TextDataset } from '../src/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weft-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const tempFiles = async () => (await readdir(dir)).filter((f) => f.endsWith('.tmp')).sort();

/** The id of a process that has exited (so no process has it, unless the OS reused it meanwhile). */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  }).stdout as unknown as number;
}

describe('temporary files of atomic writes', () => {
  it("are removed for writers that are gone, never for live ones, this process's own, or recent ones of other hosts", async () => {
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      const dead = deadPid();
      const names = {
        dead: `.out.json.${WRITER_TAG}-${dead}.0a1b2c.tmp`,
        live: `.out.json.${WRITER_TAG}-${live.pid}.0a1b2c.tmp`,
        own: `.out.json.${WRITER_TAG}-${process.pid}.0a1b2c.tmp`,
        foreignRecent: '.out.json.0badc0de-12345.0a1b2c.tmp',
        foreignOld: '.out.json.0badc0de-12346.0a1b2c.tmp',
        unrelated: '.notes.tmp',
      };
      for (const name of Object.values(names)) await writeFile(join(dir, name), 'partial');
      const old = new Date(Date.now() - FOREIGN_TEMP_MAX_AGE_MS - 60_000);
      await utimes(join(dir, names.foreignOld), old, old);

      await writeFileAtomic(join(dir, 'out.json'), '{"ok":true}');

      expect(await readFile(join(dir, 'out.json'), 'utf8')).toBe('{"ok":true}');
      expect(await tempFiles()).toEqual([names.foreignRecent, names.live, names.own, names.unrelated].sort());
    } finally {
      live.kill('SIGKILL');
    }
  });

  it('removeStaleTempFiles reports what it removed and tolerates a missing folder', async () => {
    const dead = deadPid();
    await writeFile(join(dir, `.a.csv.${WRITER_TAG}-${dead}.ff.tmp`), 'x');
    expect(await removeStaleTempFiles(dir)).toEqual([`.a.csv.${WRITER_TAG}-${dead}.ff.tmp`]);
    expect(await removeStaleTempFiles(join(dir, 'missing'))).toEqual([]);
  });

  it('leave nothing behind after writers are killed mid-write, once the folder is written again', async () => {
    const path = join(dir, 'data.txt');
    const moduleUrl = pathToFileURL(join(import.meta.dirname, '../src/file-datasets.ts')).href;
    const script = `
      const { TextDataset } = await import(${JSON.stringify(moduleUrl)});
      const ds = new TextDataset({ filepath: ${JSON.stringify(path)} });
      const big = 'x'.repeat(8 * 1024 * 1024);
      process.stdout.write('ready\\n');
      for (;;) await ds.save(big);
    `;
    let left = 0;
    for (let i = 0; i < 8 && left === 0; i++) {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', '--conditions=@weft/source', '--input-type=module', '-e', script],
        {
          cwd: join(import.meta.dirname, '..'),
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      await new Promise((r) => setTimeout(r, 60 + i * 25));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      left = (await tempFiles()).length;
    }
    // The last kill left its temporary file behind.
    expect(left).toBeGreaterThan(0);
    await new TextDataset({ filepath: path }).save('final');
    expect(await tempFiles()).toEqual([]);
    expect(await readFile(path, 'utf8')).toBe('final');
    expect((await stat(path)).size).toBe(5);
  }, 60_000);
});
