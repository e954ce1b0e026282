import process from 'process';
export function handle(request) {
  return process.env.HOME + request;
}
