// A custom kiln executor: renders Mustache templates.
//
// Request (the text on stdin): JSON `{"template": "<name>", "data": {...}}`, where the name is
// one of ./templates.js, or `{"source": "<a Mustache template>", "data": {...}}`.
// Answer (the text on stdout): JSON `{"html": "<the rendered text>"}`, one line.
//
// Build and run it (from kiln's project root):
//   kiln build --entry examples/template-executor/src/index.js
//   echo '{"template":"greeting","data":{"name":"Ada"}}' |
//     kiln run --artifact examples/template-executor/target/kiln/executor.cwasm
import Mustache from 'mustache';
import { TEMPLATES } from './templates.js';

// Build time: parse every known template into Mustache's cache, which the snapshot keeps, so a
// call only renders.
export function init() {
  for (const name of Object.keys(TEMPLATES)) {
    Mustache.parse(TEMPLATES[name]);
  }
}

export function handle(requestText) {
  const request = JSON.parse(requestText);
  let template;
  if (typeof request.source === 'string') {
    template = request.source;
  } else if (Object.hasOwn(TEMPLATES, request.template)) {
    template = TEMPLATES[request.template];
  } else {
    throw new Error(`unknown template: ${JSON.stringify(request.template)}`);
  }
  return JSON.stringify({ html: Mustache.render(template, request.data ?? {}) });
}
