import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts'],
    globalSetup: ['tests/global-setup.ts'],
    // Generous: SwiftShader is a CPU, and on a machine shared with other work a GPU test or a
    // CLI run can take minutes. Speed is measured by the benchmarks, never by these limits.
    testTimeout: 400_000,
    hookTimeout: 400_000,
    // SwiftShader is a CPU: two cores are better shared by two files than by many.
    maxWorkers: 2,
  },
});
