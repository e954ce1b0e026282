export function init() {
  JSON.parse('{not json');
}
export function handle(request) {
  return request;
}
