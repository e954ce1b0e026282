// Bundles the trusted JavaScript executor of kiln into ONE deterministic classic script
// (an IIFE, strict, no exports). The Rust build runs:
//   node node_modules/rollup/dist/bin/rollup -c rollup.config.mjs --file <out>
// and a `--file` given on the command line overrides `output.file` below.
import { nodeResolve } from '@rollup/plugin-node-resolve';

/**
 * Drops whole-line comments (`// ...` lines and `/* ... *\/` blocks that start
 * and end on their own lines) and blank lines from the bundle: the host parses
 * the bundle, so it should not carry the documentation. Code lines are left
 * untouched (the sources keep comments on lines of their own, and have no
 * multi-line string or template literals), so this cannot change behaviour.
 */
function stripCommentLines() {
  return {
    name: 'kiln-strip-comment-lines',
    renderChunk(code) {
      const out = [];
      let inBlock = false;
      for (const line of code.split('\n')) {
        const t = line.trim();
        if (inBlock) {
          if (t.endsWith('*/')) inBlock = false;
          else if (t.includes('*/')) throw new Error(`kiln: code after a block comment: ${line}`);
          continue;
        }
        if (t === '' || t.startsWith('//')) continue;
        if (t.startsWith('/*')) {
          if (t.endsWith('*/')) continue;
          if (t.includes('*/')) throw new Error(`kiln: code after a block comment: ${line}`);
          inBlock = true;
          continue;
        }
        out.push(line);
      }
      if (inBlock) throw new Error('kiln: unterminated block comment');
      return { code: out.join('\n') + '\n', map: null };
    },
  };
}

export default {
  input: 'executor-js/src/index.js',
  output: {
    file: 'target/kiln/bundle/executor.js',
    format: 'iife',
    strict: true,
    sourcemap: false,
    generatedCode: 'es2015',
    // No banner/footer, no dates: the bundle must be byte-for-byte reproducible.
  },
  onwarn(warning, warn) {
    // Anything that would make the bundle depend on the environment is fatal.
    if (warning.code === 'CIRCULAR_DEPENDENCY' || warning.code === 'UNRESOLVED_IMPORT') {
      throw new Error(`rollup: ${warning.message}`);
    }
    warn(warning);
  },
  plugins: [nodeResolve(), stripCommentLines()],
  treeshake: true,
};
