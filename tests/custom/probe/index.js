// The tests' own custom executor: one command per request, `command` or `command:argument`,
// to exercise answers, state, the build-time `init`, and every limit and failure.
import text from './text.cjs';

let calls = 0;

export function init() {
  text.prime();
}

function recurse(depth) {
  return recurse(depth + 1) + 1;
}

export function handle(request) {
  const at = request.indexOf(':');
  const command = at < 0 ? request : request.slice(0, at);
  const argument = at < 0 ? '' : request.slice(at + 1);
  switch (command) {
    case 'echo':
      return argument;
    case 'upper':
      return text.upper(argument);
    case 'async':
      return Promise.resolve(argument).then((value) => `async ${value}`);
    case 'primed':
      return String(text.primed());
    case 'calls':
      calls += 1;
      return String(calls);
    case 'throw':
      throw new TypeError(`bad input ${argument}`);
    case 'reject':
      return Promise.reject(new Error('rejected'));
    case 'number':
      return 42;
    case 'async-number':
      return Promise.resolve(7);
    case 'never':
      return new Promise(() => {});
    case 'loop':
      for (;;) {
        calls += 1;
      }
    case 'alloc': {
      const chunks = [];
      for (;;) chunks.push(new Array(1 << 16).fill(chunks.length));
    }
    case 'recurse':
      return String(recurse(0));
    case 'big':
      return 'x'.repeat(Number(argument));
    default:
      throw new Error(`unknown command ${command}`);
  }
}
