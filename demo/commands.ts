/**
 * What the CLI loads for `release-bot demo` and `release-bot sandbox`. The demo and the simulator
 * exist in a clone only: app/demo-loader.ts finds this file at run time, so the image and the npm
 * package, which carry neither, still build and say so when asked for a demo.
 */
export { demoCommand } from './demo-command.js';
export { sandboxCommand } from './sandbox-command.js';
