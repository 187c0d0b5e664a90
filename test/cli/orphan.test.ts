import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('a service whose `elava up` is killed', () => {
  it('stops in order instead of running on unsupervised', async () => {
    const mark = join(mkdtempSync(join(tmpdir(), 'elava-orphan-')), 'mark');
    const supervisor = spawn(
      process.execPath,
      [new URL('../fixtures/orphan/supervisor.mjs', import.meta.url).pathname],
      {
        env: { ...process.env, ORPHAN_MARK: mark, ELAVA_LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const pid = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the service did not start')), 20_000);
      supervisor.stdout.on('data', (chunk: Buffer) => {
        const m = /service (\d+)/.exec(chunk.toString());
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
    });
    expect(alive(pid)).toBe(true);
    supervisor.kill('SIGKILL');
    const deadline = Date.now() + 15_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (alive(pid)) process.kill(pid, 'SIGKILL');
    expect(alive(pid)).toBe(false);
    expect(readFileSync(mark, 'utf8')).toBe('stopped in order');
  }, 40_000);
});
