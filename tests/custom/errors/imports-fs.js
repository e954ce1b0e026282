import { readFileSync } from 'fs';
export function handle(request) {
  return readFileSync(request, 'utf8');
}
