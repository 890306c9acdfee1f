import type { Toolkit } from '../src/toolkit.js';

/** One call the action made to the toolkit, in order. */
export type ToolkitCall = [method: keyof Toolkit, ...args: string[]];

/** A toolkit that answers inputs from a table and records every call. */
export function recordingToolkit(inputs: Record<string, string>) {
  const calls: ToolkitCall[] = [];
  const record =
    (method: keyof Toolkit) =>
    (...args: string[]) => {
      calls.push([method, ...args]);
    };
  const toolkit: Toolkit = {
    getInput: (name) => inputs[name] ?? '',
    setSecret: record('setSecret'),
    exportVariable: record('exportVariable'),
    setOutput: record('setOutput'),
    info: record('info'),
    debug: record('debug'),
    warning: record('warning'),
    setFailed: record('setFailed'),
    appendSummary: async (markdown) => {
      calls.push(['appendSummary', markdown]);
    },
  };
  return { toolkit, calls };
}
