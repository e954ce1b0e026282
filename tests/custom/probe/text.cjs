// A CommonJS module, so the bundle goes through @rollup/plugin-commonjs.
'use strict';
const state = { primed: false };
module.exports = {
  prime() {
    state.primed = true;
  },
  primed() {
    return state.primed;
  },
  upper(text) {
    return text.toUpperCase();
  },
};
