// kiln/no-method-call: no method lookups on values. `value.method(...)` looks
// `method` up on the value and its prototypes, where community code may have
// replaced it (or planted a getter); the executor calls built-ins through the
// wrappers captured in src/intrinsics.js instead: `slice(text, 0, 3)`, not
// `text.slice(0, 3)`.
//
// Reported: calls, `new` and tagged templates whose callee is a member
// expression (`a.b()`, `a[b]()`, `a?.b()`, `(0, a.b)()`, `new a.B()`, `` a.b`` ``).
// Allowed: `this.method()` inside a class method and `new LocalClass(...).method()`
// for a class declared in the same file: the executor's own classes, whose
// prototypes it controls (encode.js gives Encoder.prototype a null prototype).

/** The member expression a callee looks up, or null (unwraps `?.`, parentheses and `(0, x)`). */
function memberOf(callee) {
  let node = callee;
  for (;;) {
    if (node.type === 'ChainExpression') node = node.expression;
    else if (node.type === 'SequenceExpression') node = node.expressions[node.expressions.length - 1];
    else break;
  }
  return node.type === 'MemberExpression' ? node : null;
}

function propertyName(member) {
  if (!member.computed && member.property.type === 'Identifier') return member.property.name;
  if (member.property.type === 'Literal') return String(member.property.value);
  if (member.property.type === 'PrivateIdentifier') return '#' + member.property.name;
  return '[computed]';
}

/** Whether `node` (a ThisExpression) is the `this` of a class method. */
function isClassThis(node) {
  for (let current = node.parent; current; current = current.parent) {
    if (current.type === 'ArrowFunctionExpression') continue;
    if (current.type === 'FunctionExpression' || current.type === 'FunctionDeclaration') {
      return current.parent !== null && current.parent.type === 'MethodDefinition';
    }
    if (current.type === 'PropertyDefinition' || current.type === 'StaticBlock') return true;
  }
  return false;
}

/** Whether `node` is `new C(...)` for a class C declared in this file. */
function isLocalClassInstance(node, sourceCode) {
  if (node.type !== 'NewExpression' || node.callee.type !== 'Identifier') return false;
  let scope = sourceCode.getScope(node);
  while (scope) {
    const variable = scope.set.get(node.callee.name);
    if (variable) return variable.defs.length > 0 && variable.defs[0].type === 'ClassName';
    scope = scope.upper;
  }
  return false;
}

export default {
  meta: {
    type: 'problem',
    docs: {
      description: 'Disallow method lookups on values: call built-ins through the wrappers captured in intrinsics.js.',
    },
    schema: [],
    messages: {
      call:
        'Method lookup `.{{name}}(...)`: community code may have replaced it. Call the captured wrapper from intrinsics.js (e.g. `slice(text, a, b)`).',
      construct:
        'Constructor lookup `new ….{{name}}(...)`: community code may have replaced it. Construct a constructor captured in intrinsics.js.',
      tag: 'Tag lookup `.{{name}}`...``: community code may have replaced it. Use a captured function.',
    },
  },
  create(context) {
    const sourceCode = context.sourceCode;
    function check(node, callee, messageId) {
      const member = memberOf(callee);
      if (member === null) return;
      const object = member.object;
      if (object.type === 'ThisExpression' && isClassThis(object)) return;
      if (isLocalClassInstance(object, sourceCode)) return;
      context.report({ node, messageId, data: { name: propertyName(member) } });
    }
    return {
      CallExpression(node) {
        check(node, node.callee, 'call');
      },
      NewExpression(node) {
        check(node, node.callee, 'construct');
      },
      TaggedTemplateExpression(node) {
        check(node, node.tag, 'tag');
      },
    };
  },
};
