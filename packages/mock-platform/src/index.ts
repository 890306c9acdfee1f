export {
  type ErrorEnvelope,
  type ErrorType,
  errorEnvelope,
  type ValidationProblem,
} from './envelope.js';
export type {
  MintedKey,
  MockPlatform,
  MockPlatformOptions,
  RecordedRequest,
  ScriptedResponse,
} from './platform.js';
export { startMockPlatform } from './server.js';
