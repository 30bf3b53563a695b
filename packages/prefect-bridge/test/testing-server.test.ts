import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultVenvDir, ensurePrefectInstalled, freePort, PrefectServerError } from '../src/testing.js';

describe('@weft/prefect-bridge/testing', () => {
  it('explains a missing Python instead of failing obscurely', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weft-venv-'));
    const saved = { PATH: process.env.PATH, PYTHON: process.env.PYTHON };
    process.env.PATH = '/nonexistent-bin';
    delete process.env.PYTHON;
    try {
      const error = await ensurePrefectInstalled({
        venvDir: join(dir, 'venv'),
        python: '/nonexistent/python3',
        hint: 'Skip with X=1.',
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PrefectServerError);
      expect((error as Error).message).toMatch(
        /^A Prefect server needs Python 3.10–3.14 to install prefect==3.9.1/,
      );
      expect((error as Error).message).toMatch(/\/nonexistent\/python3: .*ENOENT/);
      expect((error as Error).message).toMatch(/apt-get install python3 python3-venv.*Skip with X=1\.$/s);
    } finally {
      process.env.PATH = saved.PATH;
      if (saved.PYTHON !== undefined) process.env.PYTHON = saved.PYTHON;
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('defaults the venv to ./.cache/prefect-venv-<version> and finds free loopback ports', async () => {
    expect(defaultVenvDir('3.9.1')).toBe(join(process.cwd(), '.cache', 'prefect-venv-3.9.1'));
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    expect(port).toBeLessThan(65536);
  });
});
