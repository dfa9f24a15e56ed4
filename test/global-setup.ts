import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Tests that spawn the CLI run the built dist/ (see test/helpers/cli.ts): bring it up to date once
 * before the suite (incremental, so a few seconds when nothing changed). tsc emits JavaScript even
 * when a file has a type error; such errors are printed and the tests still run on what was emitted
 * (`npm run typecheck`, which CI runs before the tests, is where type errors fail).
 */
export default function setup(): void {
  const root = fileURLToPath(new URL('../', import.meta.url));
  try {
    build(root);
  } catch (error) {
    const status = (error as { status?: number }).status;
    // 2: errors found, output emitted. Anything else (tsc missing, crashed) stops the run.
    if (status !== 2) throw error;
    console.warn('[global-setup] tsc reported type errors (above); testing the JavaScript it emitted');
  }
}

function build(root: string): void {
  execFileSync(
    process.execPath,
    [
      fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url)),
      '-p',
      'tsconfig.build.json',
    ],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
}
