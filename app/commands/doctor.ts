import { loadAppConfig } from '../app.js';
import { runDoctor } from '../doctor.js';
import { EXIT } from './exit.js';

/**
 * `release-bot doctor`: exit 0 when every check passes, 1 when one fails (each failure says what
 * to fix), 2 when the config itself is invalid (as `config validate`).
 */
export async function doctorCommand(
  options: { json?: boolean },
  global: { config?: string },
): Promise<number> {
  const { config, path } = await loadAppConfig({ configPath: global.config });
  const checks = await runDoctor(config);
  const failed = checks.filter((c) => !c.ok).length;
  if (options.json) process.stdout.write(`${JSON.stringify({ path, ok: failed === 0, checks }, null, 2)}\n`);
  else {
    for (const c of checks) process.stdout.write(`${c.ok ? '✓' : '✗'} ${c.subject}: ${c.detail}\n`);
    process.stdout.write(failed ? `${failed} check(s) failed\n` : `all ${checks.length} checks passed\n`);
  }
  return failed ? EXIT.failed : EXIT.ok;
}
