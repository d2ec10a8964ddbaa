// The types of what `require("ims-sharing")` loads: nothing but the reason, so that a CommonJS
// TypeScript project that requires the package fails to compile with the way out in the message.
// `await import("ims-sharing")` resolves the real types (the package's "import" condition).
declare const esmOnly: { readonly 'ims-sharing is ESM-only: use `await import("ims-sharing")`': never };
export = esmOnly;
