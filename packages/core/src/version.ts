/** This package's version, sent in the `User-Agent` header. Kept equal to package.json by a test. */
export const VERSION = '1.0.0';
