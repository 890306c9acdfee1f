export { parseFileCommands } from './file-commands.js';
export {
  type ActionResult,
  type ActionRun,
  inputVariable,
  type RunnerFiles,
  runAction,
  runnerEnvironment,
} from './runner.js';
