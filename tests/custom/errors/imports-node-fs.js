import { readFileSync } from 'node:fs';
export function handle(request) {
  return readFileSync(request, 'utf8');
}
