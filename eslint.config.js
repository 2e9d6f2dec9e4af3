// Flat config: typescript-eslint's recommended rules over every package's sources.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'bench/results/**', 'bench/.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    // Issue 11: the server's repositories (packages/server/src/repositories/) own every query; storage/ holds
    // the connection and the migrations. Nothing else in the server imports kysely or builds a query on the
    // handle it is given (services hold rules and pass the Conn through; transactions open via inTransaction).
    files: ['packages/server/src/**/*.ts'],
    ignores: ['packages/server/src/repositories/**', 'packages/server/src/storage/**', 'packages/server/src/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'kysely', message: 'Queries live in packages/server/src/repositories/ (issue 11): call a repository function.' }], patterns: [{ group: ['kysely/*'], message: 'Queries live in packages/server/src/repositories/.' }] },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: 'CallExpression > MemberExpression.callee > Identifier.property[name=/^(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto|transaction|executeQuery)$/]',
          message: 'Queries and transactions on the storage handle live in packages/server/src/repositories/ (issue 11): call a repository function or inTransaction.',
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', fetch: 'readonly', Buffer: 'readonly' } },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
);
