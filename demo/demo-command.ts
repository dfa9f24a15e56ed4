import { runDemo } from './run.js';
import { EXIT } from '../app/commands/exit.js';

/** `release-bot demo`: the scripted story on the simulator; exits 0 when every story played. */
export async function demoCommand(options: { json?: boolean }): Promise<number> {
  const report = await runDemo({ json: options.json });
  return report.ok ? EXIT.ok : EXIT.failed;
}
