import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/** The store path is relative to the config file; commands that only look never create a store. */
describe('store path', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  function setup(name: string): { config: string; store: string; elsewhere: string } {
    const configDir = join(tmp.dir, name, 'config');
    const elsewhere = join(tmp.dir, name, 'elsewhere');
    mkdirSync(configDir, { recursive: true });
    mkdirSync(elsewhere, { recursive: true });
    const config = join(configDir, 'release-bot.yaml');
    writeFileSync(config, 'store: { path: .release-bot/state.db }\njobs:\n  heartbeat: {}\n');
    return { config, store: join(configDir, '.release-bot', 'state.db'), elsewhere };
  }

  it('is resolved from the config file’s folder, whatever the working directory', async () => {
    const { config, store, elsewhere } = setup('relative');
    const run = await runCli(['--config', config, 'run', 'heartbeat', '--json'], { cwd: elsewhere });
    expect(run.code).toBe(0);
    expect(existsSync(store)).toBe(true);
    expect(readdirSync(elsewhere)).toEqual([]);
    const list = await runCli(['--config', config, 'list', '--json'], { cwd: tmp.dir });
    expect(list.code).toBe(0);
    const heartbeat = (
      JSON.parse(list.stdout) as { name: string; lastRun: { status: string } | null }[]
    ).find((j) => j.name === 'heartbeat');
    expect(heartbeat?.lastRun?.status).toBe('noop');
  });

  it('list, history and show never create a store', async () => {
    const { config, store, elsewhere } = setup('fresh');
    const list = await runCli(['--config', config, 'list'], { cwd: elsewhere });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/heartbeat/);
    const history = await runCli(['--config', config, 'history'], { cwd: elsewhere });
    expect(history.code).toBe(0);
    expect(history.stdout).toContain('no runs recorded yet');
    const show = await runCli(['--config', config, 'show', 'no-such-run'], { cwd: elsewhere });
    expect(show.code).toBe(2);
    expect(existsSync(store)).toBe(false);
    expect(existsSync(join(store, '..'))).toBe(false);
    expect(readdirSync(elsewhere)).toEqual([]);
  });
});
