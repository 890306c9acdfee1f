import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const fromRoot = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      '@provision-litellm-key/core': fromRoot('./packages/core/src/index.ts'),
      '@provision-litellm-key/mock-platform': fromRoot('./packages/mock-platform/src/index.ts'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'actions/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    restoreMocks: true,
  },
});
