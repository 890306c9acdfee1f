/** This package's version, printed by `--version`. Kept equal to package.json by a test. */
export const VERSION = '1.0.0';
