export async function init() {
  await null;
}
export function handle(request) {
  return request;
}
