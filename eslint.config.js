import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['.scratch/**', 'dist/**', 'node_modules/**', 'data/**', 'migrations/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  {
    // The CLI and its renderers are the one place that writes to the terminal.
    files: ['src/cli.ts', 'src/cli/**', 'src/render/**', 'bench/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // Readers of the mirror never import the API client: they share shapes and times through src/model-lab.
    files: ['src/query/**', 'src/export/**', 'src/server/**', 'src/store/**', 'src/content/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/api/*', '**/api'], message: 'readers never import the API client (src/api); use src/model-lab' }] }] },
  },
);
