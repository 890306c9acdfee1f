/**
 * What the action asks of the runner. `main.ts` passes the real one (`runnerToolkit`); tests pass
 * a recorder, so no module mocking is needed.
 */
export interface Toolkit {
  getInput(name: string): string;
  setSecret(value: string): void;
  exportVariable(name: string, value: string): void;
  setOutput(name: string, value: string): void;
  info(message: string): void;
  debug(message: string): void;
  warning(message: string): void;
  setFailed(message: string): void;
  /** Appends Markdown to the job summary, when the runner provides one. */
  appendSummary(markdown: string): Promise<void>;
}
