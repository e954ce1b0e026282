// A custom executor that checks the guest's request parser (guest/src/json.rs) against
// JSON.parse: the request is a JSON string literal holding the text to parse; the answer is
// one JSON object, {"same": true|false, "json": <what JSON.parse gave>, "guest": <what the
// guest's parser gave>}, each described exactly (every string's code units, -0, property
// order and attributes, prototypes, thrown errors' names and messages).

// The guest installs its parser before any bundle's top level and removes it after.
const guestParse = globalThis.__kiln_json_parse;

function describeValue(value, depth) {
  if (depth > 200) return 'too deep to describe';
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      // Well-formed JSON.stringify writes lone surrogates as escapes: exact code units.
      return 'string ' + JSON.stringify(value);
    case 'number':
      return 'number ' + (Object.is(value, -0) ? '-0' : String(value));
    case 'boolean':
      return 'boolean ' + value;
    case 'object':
      break;
    default:
      return 'unexpected ' + typeof value;
  }
  const proto = Object.getPrototypeOf(value);
  const isArray = Array.isArray(value);
  const head =
    (isArray ? 'array' : 'object') +
    (proto === (isArray ? Array.prototype : Object.prototype) ? '' : ' (other prototype)') +
    (Object.isExtensible(value) ? '' : ' (not extensible)');
  const parts = [];
  for (const key of Reflect.ownKeys(value)) {
    const d = Reflect.getOwnPropertyDescriptor(value, key);
    const flags = (d.writable ? 'w' : '-') + (d.enumerable ? 'e' : '-') + (d.configurable ? 'c' : '-');
    const shown = isArray && key === 'length' ? 'number ' + d.value : describeValue(d.value, depth + 1);
    parts.push(JSON.stringify(String(key)) + ' ' + flags + ': ' + shown);
  }
  return head + ' {' + parts.join(', ') + '}';
}

function describe(parse, text) {
  try {
    return describeValue(parse(text), 0);
  } catch (e) {
    return 'threw ' + (e instanceof Error ? e.name + ': ' + e.message : String(e));
  }
}

export function handle(requestText) {
  const text = JSON.parse(requestText);
  const json = describe(JSON.parse, text);
  const guest = typeof guestParse === 'function' ? describe(guestParse, text) : 'no guest parser';
  return JSON.stringify({ same: json === guest, json, guest });
}
