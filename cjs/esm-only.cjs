// What `require("ims-sharing")` (and `require("ims-sharing/fake")`) loads: the package is
// ESM-only, so CommonJS code gets this one clear message instead of ERR_PACKAGE_PATH_NOT_EXPORTED.
"use strict";
const error = new Error(
  'ims-sharing is ESM-only: use `await import("ims-sharing")` (or `await import("ims-sharing/fake")`) from CommonJS code.',
);
error.code = "ERR_REQUIRE_ESM";
throw error;
