// Bundle entry. Evaluated once, at snapshot time, as the top level of the
// executor script: it captures the built-ins (intrinsics.js is evaluated
// first), installs the globals community code may use (a capturing `console`
// and `ZPair`), and publishes the entry point
//
//   globalThis.__kiln_executor = handle   (configurable, non-enumerable)
//
// The Rust host reads it once right after evaluating the bundle and deletes
// it, so community code never sees it. See executor-js/README.md.

import './intrinsics.js';
import { globalObject, reflectDefineProperty, sealStackTraceHook } from './intrinsics.js';
import { handle, install } from './executor.js';

install(globalObject);
// Before any community code exists: no call site (and so no executor function)
// is ever handed to a stack-trace hook.
sealStackTraceHook();

reflectDefineProperty(globalObject, '__kiln_executor', {
  __proto__: null,
  value: handle,
  writable: false,
  enumerable: false,
  configurable: true,
});
