export {
  type ConnectProxy,
  type ConnectProxyOptions,
  type RecordedConnect,
  startConnectProxy,
} from './connect-proxy.js';
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
