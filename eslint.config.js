// ESLint for the portal's browser code (`make lint`, and `make test` before the tests).
//
// The scripts under each app's static/ are ES modules loaded with <script type="module">;
// the helpers they share are edu_portal/static/portal/helpers.js. Vendor libraries (hls.js,
// tus-js-client, epub.js, JSZip, pdf.js) are served from node_modules and never linted.
// This file, like Node's own scripts here (tests/uploads/tus_js_probe.js), is CommonJS:
// package.json has no "type": "module".
"use strict";

const js = require("@eslint/js");
const globals = require("globals");

module.exports = [
  {
    ignores: ["node_modules/", ".venv/", "staticfiles/", "var/"],
  },
  {
    files: ["**/static/**/*.js"],
    ...js.configs.recommended,
    languageOptions: {
      ecmaVersion: "latest",
      sourceType: "module",
      globals: { ...globals.browser },
    },
  },
  {
    files: ["eslint.config.js", "tests/**/*.js"],
    ...js.configs.recommended,
    languageOptions: {
      ecmaVersion: "latest",
      sourceType: "commonjs",
      globals: { ...globals.node },
    },
  },
];
