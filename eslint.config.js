import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/**
 * The layers of src/ and the folders each may not import, so imports point one way:
 * ui -> generation -> model -> kernels -> gpu (docs/engine-design.md). `reference/` is the
 * spec the tests check against: no source file imports it. `npm test` runs this, so a
 * crossed layer fails the check.
 */
const FORBIDDEN = {
  util: ['gpu', 'kernels', 'model', 'tokenizer', 'generation', 'bench', 'ui', 'cli'],
  gpu: ['kernels', 'model', 'tokenizer', 'generation', 'bench', 'ui', 'cli'],
  kernels: ['model', 'tokenizer', 'generation', 'bench', 'ui', 'cli'],
  model: ['tokenizer', 'generation', 'bench', 'ui', 'cli'],
  tokenizer: ['gpu', 'kernels', 'model', 'generation', 'bench', 'ui', 'cli'],
  generation: ['kernels', 'bench', 'ui', 'cli'],
  bench: ['ui', 'cli'],
  // The UI sees the GPU only through generation/gpu-session.ts, and the model sources only
  // through their index.
  ui: [
    'gpu',
    'kernels',
    'cli',
    ['model/sources/(?!index\\.ts$)', 'model/sources/ except its index.ts'],
  ],
  cli: ['ui'],
};

function layerRules() {
  return Object.entries(FORBIDDEN).map(([layer, banned]) => ({
    files: [`src/${layer}/**`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...banned.map((folder) => {
              const [regex, name] = Array.isArray(folder) ? folder : [`${folder}/`, `${folder}/`];
              return {
                regex: `(^|/)${regex}`,
                message: `src/${layer}/ may not import src/${name}: imports point ui -> generation -> model -> kernels -> gpu (docs/engine-design.md).`,
              };
            }),
            {
              regex: '(^|/)reference/',
              message:
                'src/reference/ is the CPU spec for the tests; source files do not import it.',
            },
          ],
        },
      ],
    },
  }));
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'dist-stand-in/**',
      'node_modules/**',
      'weights/**',
      'test-results/**',
      'playwright-report/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  ...layerRules(),
  {
    files: ['tests/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
