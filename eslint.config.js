// One linter for the whole tree; type-aware rules catch floating promises and `any` at boundaries.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      'data/**',
      'out/**',
      'coverage/**',
      'dist-electron/**',
      'test/.cache/**',
      'renderer/dist/**',
      'renderer/console/dist/**',
      '**/*.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      // Branded numbers (Points, Cents) are numbers; negating them is fine.
      '@typescript-eslint/no-unsafe-unary-minus': 'off',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // DESIGN's arrows, as import rules. Flat config keeps only the last `no-restricted-imports` that matches a file, so
  // each area below is one block with every rule it needs (the areas do not overlap).
  {
    // The domain stays pure: no I/O, no other layer.
    files: ['sync/loyalty/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'sync/loyalty is pure: no I/O.' },
            { regex: '^(\\.\\./)+(till|ledger|protocol)/', message: 'sync/loyalty imports no other layer.' },
            {
              group: ['dexie', 'socket.io*', 'better-sqlite3', 'pg', 'kysely', 'electron'],
              message: 'sync/loyalty is pure.',
            },
          ],
        },
      ],
    },
  },
  {
    // The till and the protocol never reach into the ledger or a database driver.
    files: ['sync/**/*.ts'],
    ignores: ['sync/ledger/**', 'sync/loyalty/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^(\\.\\./)+ledger/', message: 'Only sync/ledger imports sync/ledger.' },
            { group: ['electron', 'better-sqlite3', 'pg', 'kysely'], message: 'The till runs in the renderer.' },
          ],
        },
      ],
    },
  },
  {
    // The ledger is a server of its own: it never imports the till.
    files: ['sync/ledger/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^(\\.\\./)+till/', message: 'sync/ledger never imports sync/till.' },
            { group: ['electron'], message: 'The ledger does not run in Electron.' },
          ],
        },
      ],
    },
  },
  {
    // The renderer talks to the ledger through the till only, and to Electron through the preload's API only: of
    // electron/ it may import the schema and contract modules, which import no Electron or Node module themselves
    // (test/electron/process-boundaries.test.ts).
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^(\\.\\./)+sync/ledger/', message: 'The renderer never imports sync/ledger.' },
            {
              regex: '^(\\.\\./)+electron/(?!(ipc-contract|pos-contract|settings-schema)\\.ts$)',
              message: 'Of electron/, the renderer imports only ipc-contract, pos-contract and settings-schema.',
            },
            { regex: '^electron(/|$)', message: 'Electron stays out of the renderer (use the preload API).' },
          ],
        },
      ],
    },
  },
  {
    // No query handle outside the store (issue 11): modules reach the database through the store's interfaces
    // (sync/ledger/store/interfaces/), so a new backend implements those and nothing else. Tests may use it.
    files: ['sync/**/*.ts', 'electron/**/*.ts', 'renderer/**/*.{ts,tsx}', 'scripts/**/*.ts', 'bin/**/*.ts'],
    ignores: ['sync/ledger/store/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='kysely']",
          message: 'No query handle outside sync/ledger/store/: add a method to a store interface instead.',
        },
        {
          selector: "ImportDeclaration[source.value='kysely'][importKind!='type']",
          message: 'Queries live in sync/ledger/store/: add a method to a store interface instead.',
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'sync/ledger/cli.ts', 'sync/ledger/cli/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
