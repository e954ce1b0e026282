function load(name) {
  throw new RangeError(`cannot load ${name} at build time`);
}
const config = load('config');
export function handle(request) {
  return config + request;
}
