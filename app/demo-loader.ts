import { UsageError } from '../src/errors.js';

/** The two commands demo/commands.ts provides (declared here: the app must build without demo/). */
export interface DemoCommands {
  demoCommand(options: { json?: boolean }): Promise<number>;
  sandboxCommand(options: { port: string; dir?: string }): Promise<number>;
}

/**
 * The demo and the sandbox run on the forge simulator, which is a development package: a clone
 * has it (`npm start`), the container image and the npm package do not. The specifier is built at
 * run time so that the image's compiler does not look for demo/.
 */
export async function loadDemo(): Promise<DemoCommands> {
  const specifier = ['..', 'demo', 'commands.js'].join('/');
  try {
    return (await import(specifier)) as DemoCommands;
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new UsageError(
      'the demo and the sandbox run from a clone of release-bot (`npm ci && npm start`): this installation carries no forge simulator',
    );
  }
}
