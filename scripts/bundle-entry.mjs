// Bundles a custom executor (`kiln build --entry`) into ONE deterministic classic script, the
// way rollup.config.mjs bundles kiln's own executor, so the guest runs it unchanged.
// Usage: node scripts/bundle-entry.mjs ENTRY PROJECT OUT
//   ENTRY    the ES module exporting `handle` (and optionally `init`), an absolute path
//   PROJECT  the folder its npm dependencies are resolved in (nothing outside it is bundled)
//   OUT      the script to write
// On a failure kiln can name, it prints one line `kiln-bundle-error {json}` on stdout and exits
// with status 2; any other failure is rollup's own message on stderr, status 1.
//
// The script is a generated wrapper module, `\0kiln-entry`, that imports the entry, checks its
// contract at load time and publishes `globalThis.__kiln_executor` (what the guest takes):
// a function of the request text that answers with `handle`'s string, or throws a marked
// failure (`kiln-call-failure {json}`) the runner turns into the documented error object. The
// whole script is wrapped so that a throw of the top level (or of `init`) becomes
// `kiln-build-failure {json}` with the message and the JS stack, which `kiln build` reports.
import { isBuiltin } from 'node:module';
import { rollup } from 'rollup';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import commonjs from '@rollup/plugin-commonjs';

const WRAPPER = '\0kiln-entry';

class KilnBundleError extends Error {
  constructor(detail) {
    super(detail.message);
    this.detail = detail;
  }
}

/** The wrapper module's source, for an entry exporting `exported`. */
function wrapperSource(entry, exported) {
  const imports = ['handle'];
  if (exported.includes('init')) imports.push('init');
  return `import { ${imports.join(', ')} } from ${JSON.stringify(entry)};
const stringify = JSON.stringify;
const toText = String;
const promiseResolve = Promise.resolve.bind(Promise);
const promiseThen = Promise.prototype.then;
function describe(type, error) {
  let message;
  let stack = '';
  if (error !== null && typeof error === 'object') {
    try {
      message = toText(error.name) + ': ' + toText(error.message);
      stack = typeof error.stack === 'string' ? error.stack : '';
    } catch {
      message = 'a thrown object that cannot be described';
    }
  } else {
    try {
      message = toText(error);
    } catch {
      message = 'a thrown value that cannot be described';
    }
  }
  if (type === 'threw' && /^(RangeError|InternalError): (stack overflow|Maximum call stack size exceeded)$/.test(message)) {
    type = 'stack';
  }
  return { type, message, stack };
}
function callFailure(type, error) {
  return 'kiln-call-failure ' + stringify(describe(type, error));
}
function buildFailure(type, message) {
  return { kilnBuildFailure: { type, message, stack: '' } };
}
if (typeof handle !== 'function') {
  throw buildFailure('handle-not-a-function', 'the export \`handle\` is ' + (handle === null ? 'null' : typeof handle) + ', not a function');
}
${exported.includes('init') ? `if (typeof init !== 'function') {
  throw buildFailure('init-not-a-function', 'the export \`init\` is ' + (init === null ? 'null' : typeof init) + ', not a function');
}
const initialised = init();
if (initialised !== null && (typeof initialised === 'object' || typeof initialised === 'function') && typeof initialised.then === 'function') {
  throw buildFailure('init-returned-promise', '\`init\` returned a promise: it must finish synchronously, because the snapshot is taken without running pending jobs');
}
` : ''}function checked(result) {
  if (typeof result === 'string') return result;
  throw callFailure('not-a-string', 'handle answered with ' + (result === null ? 'null' : typeof result) + ', not a string');
}
globalThis.__kiln_executor = function kilnExecutor(request) {
  let result;
  try {
    result = handle(request);
  } catch (error) {
    throw callFailure('threw', error);
  }
  if (typeof result === 'string') return result;
  if (result !== null && typeof result === 'object' && typeof result.then === 'function') {
    return promiseThen.call(promiseResolve(result), checked, (error) => {
      throw callFailure('threw', error);
    });
  }
  return checked(result);
};
`;
}

/** Resolves and generates the wrapper; refuses Node built-ins before anything else sees them. */
function kilnEntry(entry) {
  return {
    name: 'kiln-entry',
    resolveId(source, importer) {
      if (source === WRAPPER) return WRAPPER;
      if (isBuiltin(source)) {
        throw new KilnBundleError({
          type: 'node-builtin',
          module: source,
          importer: importer ?? '',
          message: `imports the Node built-in "${source}", which QuickJS does not have`,
        });
      }
      return null;
    },
    async load(id) {
      if (id !== WRAPPER) return null;
      const resolved = await this.resolve(entry, undefined, { skipSelf: true });
      if (!resolved) throw new KilnBundleError({ type: 'missing-entry', message: `cannot resolve ${entry}` });
      const info = await this.load(resolved);
      const exported = info.exports ?? [];
      if (!exported.includes('handle')) {
        throw new KilnBundleError({
          type: 'no-handle',
          exports: exported,
          message: 'the entry does not export a function `handle`',
        });
      }
      return wrapperSource(resolved.id, exported);
    },
    renderChunk(code) {
      // The top level of every bundled module runs inside the IIFE: one try around it catches
      // a throw of any of them, and of `init`, at build time.
      return {
        code: `try {
${code}} catch (error) {
  if (error !== null && typeof error === 'object' && error.kilnBuildFailure) {
    throw 'kiln-build-failure ' + JSON.stringify(error.kilnBuildFailure);
  }
  let message;
  let stack = '';
  try {
    message = (error !== null && typeof error === 'object') ? String(error.name) + ': ' + String(error.message) : String(error);
    stack = (error !== null && typeof error === 'object' && typeof error.stack === 'string') ? error.stack : '';
  } catch {
    message = 'a thrown value that cannot be described';
  }
  throw 'kiln-build-failure ' + JSON.stringify({ type: 'top-level-threw', message, stack });
}
`,
        map: null,
      };
    },
  };
}

async function main() {
  const [entry, project, out] = process.argv.slice(2);
  if (!entry || !project || !out) {
    console.error('usage: node scripts/bundle-entry.mjs ENTRY PROJECT OUT');
    process.exit(64);
  }
  let unresolved = null;
  try {
    const bundle = await rollup({
      input: WRAPPER,
      onwarn(warning, warn) {
        if (warning.code === 'UNRESOLVED_IMPORT') {
          unresolved ??= { type: 'missing-package', module: warning.exporter, importer: warning.id ?? '' };
          return;
        }
        if (warning.code === 'CIRCULAR_DEPENDENCY') return;
        warn(warning);
      },
      plugins: [
        kilnEntry(entry),
        // QuickJS is not Node: prefer a package's browser build, never a Node built-in, and
        // resolve only inside the entry's own project.
        nodeResolve({ browser: true, preferBuiltins: false, jail: project, rootDir: project }),
        commonjs(),
      ],
      treeshake: true,
    });
    if (unresolved) {
      unresolved.message = `cannot resolve "${unresolved.module}"`;
      throw new KilnBundleError(unresolved);
    }
    await bundle.write({
      file: out,
      format: 'iife',
      strict: true,
      sourcemap: false,
      generatedCode: 'es2015',
    });
    await bundle.close();
  } catch (error) {
    const detail = error instanceof KilnBundleError ? error.detail : error.cause?.detail ?? findDetail(error);
    if (detail) {
      process.stdout.write(`kiln-bundle-error ${JSON.stringify(detail)}\n`);
      process.exit(2);
    }
    console.error(error.message ?? String(error));
    process.exit(1);
  }
}

/** A KilnBundleError rollup wrapped (rollup re-throws plugin errors as its own objects). */
function findDetail(error) {
  if (error && typeof error === 'object' && error.detail) return error.detail;
  if (error && error.plugin === 'kiln-entry' && error.code === 'PLUGIN_ERROR' && error.detail) return error.detail;
  return null;
}

await main();
