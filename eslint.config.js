// Lint: neostandard's rules (as fastify/demo uses) for the TypeScript and the JavaScript, with
// formatting left to Prettier (noStyle), plus the house limit of 300 lines a file.
import neostandard from 'neostandard';

export default [
  ...neostandard({
    ts: true,
    noStyle: true,
    ignores: ['**/dist/**', '.tools/**', '.data/**', 'loadtest/results/**', 'node_modules/**'],
  }),
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.js'],
    rules: {
      'max-lines': ['error', { max: 300 }],
      // The HTTP API and the tables speak snake_case (payment_id, account_id); code reads them
      // by destructuring and writes them as properties.
      camelcase: ['error', { properties: 'never', ignoreDestructuring: true }],
      // `void promise;` marks a promise left to run on purpose (a signal handler, a watcher).
      'no-void': ['error', { allowAsStatement: true }],
    },
  },
  {
    // The UI renders JSX to a string once per request: there is no reconciliation for keys to help.
    files: ['ui/src/**/*.tsx'],
    rules: { 'react/jsx-key': 'off' },
  },
  {
    // The UI's script runs in the reader's browser.
    files: ['ui/public/**/*.js'],
    languageOptions: { globals: { window: 'readonly', document: 'readonly', location: 'readonly', HTMLDetailsElement: 'readonly' } },
  },
  {
    // loadtest/payments.js runs in k6's JavaScript runtime, which provides these (traffic-mix.js runs anywhere).
    files: ['loadtest/**/*.js'],
    languageOptions: { globals: { __ENV: 'readonly', __VU: 'readonly', __ITER: 'readonly' } },
  },
];
