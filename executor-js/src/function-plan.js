// A function plan: what the executor derives from a Z7's inline function
// definition (its Z7K1) before any community code of the call runs — the
// implementation's code, the function name, the implementation's ZID, whether
// the return type is Z16683, and the converter plans of the arguments and the
// result (convert.js) — kept by the host under the definition's exact text and
// used by a later call instead of the definition (guest/src/function.rs).
//
// It is kept as JavaScript source: one function expression that builds the
// plan's objects from literals, evaluated like community code (the host's code
// cache then holds its bytecode, so a later call reads constants instead of
// parsing and decoding text). Every string from the request (code, declared
// keys) is written as a JSON string literal, which is a JavaScript string
// literal, and declared keys as computed keys (a `"__proto__":` key would set
// the prototype); names and ZIDs were checked as identifiers and ZIDs. Records
// shared between plans stay shared (a converter's code is evaluated once per
// call however many values it converts).

import { evaluateCode, join, newList, ownKeys, push, StringCtor } from './intrinsics.js';
import { quote } from './json.js';

/**
 * The source of a function plan: { code, name, implementation (a ZID or null),
 * declaredInteger, plans (convert.js functionPlans, or null) }.
 */
export function writeFunctionPlan(fn) {
  const records = newList();
  const nodes = newList();
  const lines = newList();
  push(lines, '0,function(){');
  let plans = 'null';
  if (fn.plans !== null) {
    const byKey = fn.plans.byKey;
    let keyed = 'null';
    if (byKey !== null) {
      const keys = ownKeys(byKey);
      const parts = newList();
      for (let i = 0; i < keys.length; i++) {
        push(parts, '[' + quote(keys[i]) + ']:' + nodeName(byKey[keys[i]], records, nodes, lines));
      }
      keyed = '{__proto__:null,' + join(parts, ',') + '}';
    }
    plans = '{__proto__:null,byKey:' + keyed + ',result:' + nodeName(fn.plans.result, records, nodes, lines) + '}';
  }
  push(
    lines,
    'return{__proto__:null,code:' +
      quote(fn.code) +
      ',name:"' +
      fn.name +
      '",implementation:' +
      (fn.implementation === null ? 'null' : '"' + fn.implementation + '"') +
      ',declaredInteger:' +
      (fn.declaredInteger ? 'true' : 'false') +
      ',plans:' +
      plans +
      '};}',
  );
  return join(lines, '\n');
}

/** The variable naming `node` in the source, declaring it (and what it refers to) first. */
function nodeName(node, records, nodes, lines) {
  if (node === null) return 'null';
  for (let i = 0; i < nodes.length; i++) if (nodes[i] === node) return 'n' + StringCtor(i);
  const to = recordName(node.to, records, lines);
  const from = recordName(node.from, records, lines);
  const first = nodeName(node.first, records, nodes, lines);
  const second = nodeName(node.second, records, nodes, lines);
  const name = 'n' + StringCtor(nodes.length);
  push(nodes, node);
  push(
    lines,
    'const ' + name + '={__proto__:null,kind:"' + node.kind + '",to:' + to + ',from:' + from + ',first:' + first + ',second:' + second + '};',
  );
  return name;
}

function recordName(record, records, lines) {
  if (record === null) return 'null';
  for (let i = 0; i < records.length; i++) if (records[i] === record) return 'r' + StringCtor(i);
  const name = 'r' + StringCtor(records.length);
  push(records, record);
  // The shape of convert.js newRecord.
  push(
    lines,
    'const ' +
      name +
      '={__proto__:null,zid:"' +
      record.zid +
      '",code:' +
      quote(record.code) +
      ',direction:"' +
      record.direction +
      '",fn:undefined,failed:undefined,other:undefined};',
  );
  return name;
}

/** The function plan whose source is `text` (fresh objects), or null when it is not one. */
export function readFunctionPlan(text) {
  let plan;
  try {
    plan = evaluateCode(text)();
  } catch (e) {
    return null;
  }
  if (typeof plan !== 'object' || plan === null || typeof plan.code !== 'string' || typeof plan.name !== 'string') return null;
  return plan;
}
