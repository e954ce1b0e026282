// How a code string of community code (an implementation or a type converter)
// becomes the function it defines.
//
// The code becomes the body of a function created in global scope by the
// captured evaluation function (an indirect eval: it sees none of the
// executor's bindings); calling that function runs the code's top level and
// returns the function named `name` (a checked identifier). The leading `0,`
// makes the function an expression without a parenthesis, so QuickJS parses
// the code once (`new Function` wraps it in parentheses and scans it twice
// looking for an arrow function: a fifth more fuel per call).
//
// The text built here is also what the host's compiled-code cache is keyed by
// (guest/src/code.rs): the same code under another name is another text.

import { evaluateCode } from './intrinsics.js';

/**
 * Evaluates `code` and returns what its function named `name` is (any value:
 * the caller checks it is a function). Throws what evaluating or running the
 * code's top level throws.
 */
export function communityFunction(code, name) {
  return evaluateCode('0,function(){' + code + '\nreturn ' + name + ';\n}')();
}
