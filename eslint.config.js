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
      'renderer/dist/**',
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
  {
    // The domain stays pure: no I/O, no other layer.
    files: ['sync/loyalty/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            'node:*',
            '../till/*',
            '../ledger/*',
            '../protocol/*',
            'dexie',
            'socket.io*',
            'better-sqlite3',
            'pg',
          ],
        },
      ],
    },
  },
  {
    files: ['sync/**/*.ts'],
    ignores: ['sync/ledger/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['electron', '../ledger/*', 'better-sqlite3', 'pg', 'kysely'] }],
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
