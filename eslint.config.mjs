// ESLint (flat config), run by `npm test` before the node tests; any report fails the run.
// executor-js/src gets the executor's hardening rules (executor-js/README.md, "Hardening
// rules"), enforced by the local `kiln` plugin in executor-js/eslint/; everything else
// (tests, test support, tooling) gets ESLint's recommended rules only.
import js from '@eslint/js';
import kiln from './executor-js/eslint/index.js';

// Node's globals that the tests and tools use (ES built-ins come with ecmaVersion).
const nodeGlobals = {
  process: 'readonly',
  Buffer: 'readonly',
  console: 'readonly',
  setTimeout: 'readonly',
  clearTimeout: 'readonly',
  URL: 'readonly',
};

export default [
  { ignores: ['target/**', '**/target/**', 'guest/**', 'node_modules/**'] },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { ecmaVersion: 'latest', sourceType: 'module', globals: nodeGlobals },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      ...js.configs.recommended.rules,
      'no-unused-vars': ['error', { args: 'none', caughtErrors: 'none' }],
    },
  },
  {
    // The executor runs in QuickJS, not Node: no Node globals, and the hardening rules.
    files: ['executor-js/src/**/*.js'],
    languageOptions: { globals: {} },
    plugins: { kiln },
    rules: {
      'kiln/captured-intrinsics': 'error',
      'kiln/no-iteration': 'error',
      'kiln/no-method-call': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: "BinaryExpression[operator='instanceof']",
          message:
            '`instanceof` runs Symbol.hasInstance and walks prototypes (Proxy traps): use a brand check (isArray, isMap, isZPair).',
        },
        {
          selector: "MemberExpression[property.name='__proto__']",
          message: '`__proto__` accessors may be replaced: use the captured getPrototypeOf / setPrototypeOf.',
        },
        {
          selector: 'WithStatement',
          message: '`with` looks names up on an object.',
        },
      ],
    },
  },
  {
    // The capture module: globals and `.call` / `.bind` reads only at its top level (load time).
    files: ['executor-js/src/intrinsics.js'],
    rules: { 'kiln/captured-intrinsics': ['error', { allowTopLevel: true }] },
  },
];
