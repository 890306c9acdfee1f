export { parseFileCommands } from './file-commands.js';
export { type ActionResult, type ActionRun, inputVariable, runAction } from './runner.js';
