import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import pluginVue from 'eslint-plugin-vue';

// Layering (see docs/architecture.md): the engine and the CLI run on plain Node and never load Electron.
const noElectron = {
  patterns: [{ regex: '^electron(/|$)', message: 'Only electron/main and electron/preload may import electron.' }],
};

// Within main and preload, raw IPC lives in one binding file each; everything else goes through the contract.
const rawIpc = (name, file) => ({
  name: 'electron',
  importNames: [name],
  message: `${name} is used only in ${file}; bind the handler table or build the API from the contract instead.`,
});

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', 'test-results/', 'coverage/', '.bench/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
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
    files: ['electron/cli/**/*.ts', 'electron/worker/**/*.ts', 'test/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', noElectron] },
  },
  {
    files: ['electron/main/**/*.ts'],
    ignores: ['electron/main/ipc-binding.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            rawIpc('ipcMain', 'electron/main/ipc-binding.ts'),
            rawIpc('ipcRenderer', 'electron/preload/index.ts'),
          ],
        },
      ],
    },
  },
  {
    files: ['electron/preload/**/*.ts'],
    ignores: ['electron/preload/index.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            rawIpc('ipcRenderer', 'electron/preload/index.ts'),
            rawIpc('ipcMain', 'electron/main/ipc-binding.ts'),
          ],
        },
      ],
    },
  },
  {
    // The contract imports nothing outside shared/ (the schemas file may import valibot, the validator).
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^\\.\\./', message: 'shared/ imports nothing outside itself.' },
            {
              regex: '^(?!\\./|valibot$)',
              message: 'shared/ imports only its own files (and valibot in ipc-schemas.ts).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['shared/**/*.ts'],
    ignores: ['shared/ipc-schemas.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^\\.\\./', message: 'shared/ imports nothing outside itself.' },
            { regex: '^(?!\\./)', message: 'Only shared/ipc-schemas.ts imports a package (valibot).' },
          ],
        },
      ],
    },
  },
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['renderer/src/**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
    // Layout is Prettier's job.
    rules: {
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
    },
  },
  {
    // The renderer talks to main only through window.platter, typed by shared/.
    files: ['renderer/src/**/*.ts', 'renderer/src/**/*.vue'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...noElectron.patterns,
            {
              group: ['**/electron/**', 'node:*'],
              message: 'The renderer imports shared/ only, never electron/ or Node.',
            },
          ],
        },
      ],
    },
  },
);
