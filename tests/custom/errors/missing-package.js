import leftPad from 'kiln-test-no-such-package';
export function handle(request) {
  return leftPad(request, 10);
}
