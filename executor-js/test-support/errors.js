// Reading kiln's errors back: the one table (wit/errors.json) and the rule that
// renders a Z5's human-readable message from it (the table's "message"
// templates; the Rust host applies the same rule).

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const tablePath = path.join(repoRoot, 'wit', 'errors.json');
export const errorTable = JSON.parse(fs.readFileSync(tablePath, 'utf8'));
export const errorTypes = new Map(errorTable.types.map((entry) => [entry.zid, entry]));

const isRef = (value, zid) => value && value.Z1K1 === 'Z9' && (zid === undefined || value.Z9K1 === zid);

/** The text a key's value contributes to a message (see the table's "about"). */
function keyText(value) {
  if (typeof value === 'string') return value;
  if (value && value.Z1K1 === 'Z6') return value.Z6K1;
  if (isRef(value)) return value.Z9K1;
  if (value && isRef(value.Z1K1, 'Z99')) return keyText(value.Z99K1);
  if (value && isRef(value.Z1K1, 'Z5')) return renderMessage(value);
  return JSON.stringify(value);
}

/** The human-readable message of a Z5, rendered from its type's template. */
export function renderMessage(z5) {
  const type = z5.Z5K1 && z5.Z5K1.Z9K1;
  const entry = errorTypes.get(type);
  const instance = z5.Z5K2;
  if (entry === undefined) {
    // A type kiln does not define (the propagated error of a Wikifunctions.Error): its ZID,
    // then the texts of its keys in order.
    const texts = Object.keys(instance)
      .filter((key) => key.startsWith(`${type}K`))
      .map((key) => keyText(instance[key]));
    return texts.length === 0 ? type : `${type}: ${texts.join(', ')}`;
  }
  const first = entry.keys.length > 0 ? instance[entry.keys[0].key] : undefined;
  if (entry.messages && first !== undefined && Object.hasOwn(entry.messages, keyText(first))) {
    return entry.messages[keyText(first)];
  }
  return entry.message.replace(/\{([^}]*)\}/g, (_, key) => keyText(instance[key]));
}

/** The normal form of the Z885(type) that types a Z5K2. */
export const z885 = (zid) => ({ Z1K1: { Z1K1: 'Z9', Z9K1: 'Z7' }, Z7K1: { Z1K1: 'Z9', Z9K1: 'Z885' }, Z885K1: { Z1K1: 'Z9', Z9K1: zid } });
