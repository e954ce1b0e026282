export function run(request) {
  return request;
}
export const version = 1;
