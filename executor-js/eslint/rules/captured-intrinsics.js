// kiln/captured-intrinsics: built-ins only through the copies captured in
// src/intrinsics.js. Community code may overwrite any global (`JSON.parse`,
// `Object.keys`, `Array.prototype.map`, `Function.prototype.call`, …) before or
// during a call, so:
//  - a module other than intrinsics.js refers to no global variable at all
//    (only `undefined`, `NaN` and `Infinity`, which cannot be replaced);
//  - intrinsics.js itself (option `allowTopLevel`) touches globals only in
//    code that runs at its top level, i.e. at load time, before any community
//    code exists, never inside a function that runs during a call;
//  - outside that top level nothing reads `.call`, `.apply` or `.bind` (use
//    the captured `apply` or a wrapper made by `uncurry`).

const DEFAULT_ALLOWED = ['undefined', 'NaN', 'Infinity'];
const FUNCTION_METHODS = new Set(['call', 'apply', 'bind']);

/** Whether `scope` is module (or global) code, not inside any function. */
function isTopLevel(scope) {
  for (let current = scope; current; current = current.upper) {
    if (current.type === 'function') return false;
    // Class field initializers run when an instance is constructed.
    if (current.type === 'class-field-initializer' || current.type === 'class-static-block') return false;
  }
  return true;
}

function memberName(node) {
  if (!node.computed && node.property.type === 'Identifier') return node.property.name;
  if (node.computed && node.property.type === 'Literal' && typeof node.property.value === 'string') {
    return node.property.value;
  }
  return null;
}

export default {
  meta: {
    type: 'problem',
    docs: {
      description: 'Require built-ins to be reached only through the copies captured in intrinsics.js.',
    },
    schema: [
      {
        type: 'object',
        properties: {
          allowTopLevel: { type: 'boolean' },
          allow: { type: 'array', items: { type: 'string' }, uniqueItems: true },
        },
        additionalProperties: false,
      },
    ],
    defaultOptions: [{ allowTopLevel: false, allow: DEFAULT_ALLOWED }],
    messages: {
      global: 'Global `{{name}}`: community code may have replaced it. Import the copy captured in intrinsics.js.',
      globalInFunction:
        'Global `{{name}}` read inside a function (that runs during a call, after community code may have replaced it): capture it at the top level.',
      functionMethod:
        '`.{{name}}` read: community code may have replaced Function.prototype.{{name}}. Use the captured `apply` or a wrapper from intrinsics.js.',
    },
  },
  create(context) {
    const [{ allowTopLevel, allow }] = context.options;
    const allowed = new Set(allow);
    const sourceCode = context.sourceCode;

    function reportReference(reference) {
      const name = reference.identifier.name;
      if (allowed.has(name)) return;
      if (allowTopLevel) {
        if (isTopLevel(reference.from)) return;
        context.report({ node: reference.identifier, messageId: 'globalInFunction', data: { name } });
        return;
      }
      context.report({ node: reference.identifier, messageId: 'global', data: { name } });
    }

    return {
      MemberExpression(node) {
        const name = memberName(node);
        if (name === null || !FUNCTION_METHODS.has(name)) return;
        if (allowTopLevel && isTopLevel(sourceCode.getScope(node))) return;
        context.report({ node: node.property, messageId: 'functionMethod', data: { name } });
      },
      'Program:exit'(node) {
        const globalScope = sourceCode.getScope(node);
        // Built-in and configured globals: variables without a declaration.
        for (const variable of globalScope.variables) {
          if (variable.defs.length > 0) continue;
          for (const reference of variable.references) reportReference(reference);
        }
        // Undeclared names.
        for (const reference of globalScope.through) reportReference(reference);
      },
    };
  },
};
