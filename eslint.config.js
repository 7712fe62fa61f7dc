import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// Layering (see docs/architecture.md): the engine and the CLI run on plain Node and never load Electron.
const noElectron = {
  patterns: [{ regex: '^electron(/|$)', message: 'Only electron/main and electron/preload may import electron.' }],
};

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', 'test-results/', 'coverage/', '.bench/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['electron/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...noElectron.patterns,
            {
              group: ['**/cli/**', '**/main/**', '**/preload/**', '**/renderer/**'],
              message: 'The engine imports only node built-ins and its own files.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/cli/**/*.ts', 'test/**/*.ts', 'shared/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', noElectron] },
  },
);
