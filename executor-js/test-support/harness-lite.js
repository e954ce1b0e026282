// Tiny helpers with no dependencies (safe to import from a child process).
export const ref = (zid) => ({ Z1K1: 'Z9', Z9K1: zid });
export const str = (text) => ({ Z1K1: 'Z6', Z6K1: text });
