// kiln/no-iteration: no syntax that runs the live iteration protocol (or walks
// inherited keys) on a value. `for…of`, spread, array destructuring, `yield*`
// and `new Map(iterable)` call `value[Symbol.iterator]()` and its `next`,
// which community code can replace on Array.prototype, String.prototype,
// Map.prototype or the iterator prototypes; `for…in` also visits enumerable
// keys planted on Object.prototype; object spread runs getters and Proxy traps.
// The executor uses index loops over its own null-prototype lists, and
// `mapEntryList` (captured Map iteration) for Maps.

const COLLECTIONS = /^(?:Map|Set|WeakMap|WeakSet)(?:Ctor)?$/;

export default {
  meta: {
    type: 'problem',
    docs: {
      description: 'Disallow for-of, for-in, spread, array destructuring, yield* and new Map(iterable).',
    },
    schema: [],
    messages: {
      forOf: '`for…of` runs the (poisonable) iterator protocol: use an index loop.',
      forIn: '`for…in` visits inherited enumerable keys (a poisoned Object.prototype adds some): use `ownKeys` and an index loop.',
      spread: 'Spread runs the (poisonable) iterator protocol: copy with an index loop or pass the arguments one by one (or `apply`).',
      objectSpread: 'Object spread runs getters and Proxy traps: copy own data properties with `ownData`.',
      arrayPattern: 'Array destructuring runs the (poisonable) iterator protocol: read the indices.',
      yieldStar: '`yield*` runs the (poisonable) iterator protocol.',
      collection: '`new {{name}}(iterable)` runs the (poisonable) iterator protocol: construct it empty and add entries with the captured wrappers (`mapSet`, …).',
    },
  },
  create(context) {
    return {
      ForOfStatement(node) {
        context.report({ node, messageId: 'forOf' });
      },
      ForInStatement(node) {
        context.report({ node, messageId: 'forIn' });
      },
      SpreadElement(node) {
        const objectSpread = node.parent.type === 'ObjectExpression';
        context.report({ node, messageId: objectSpread ? 'objectSpread' : 'spread' });
      },
      ArrayPattern(node) {
        context.report({ node, messageId: 'arrayPattern' });
      },
      YieldExpression(node) {
        if (node.delegate) context.report({ node, messageId: 'yieldStar' });
      },
      NewExpression(node) {
        if (node.callee.type === 'Identifier' && COLLECTIONS.test(node.callee.name) && node.arguments.length > 0) {
          context.report({ node, messageId: 'collection', data: { name: node.callee.name } });
        }
      },
    };
  },
};
