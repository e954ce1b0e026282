// The `kiln` ESLint plugin: the executor's hardening rules (executor-js/README.md,
// "Hardening rules"), checked by `npm test` instead of only by review. In the
// spirit of Node core's `prefer-primordials`: community code runs in the same
// realm as the executor and may have replaced any built-in, so the executor
// reaches built-ins only through the copies `src/intrinsics.js` captured at load.

import capturedIntrinsics from './rules/captured-intrinsics.js';
import noIteration from './rules/no-iteration.js';
import noMethodCall from './rules/no-method-call.js';

export default {
  meta: { name: 'eslint-plugin-kiln' },
  rules: {
    'captured-intrinsics': capturedIntrinsics,
    'no-iteration': noIteration,
    'no-method-call': noMethodCall,
  },
};
