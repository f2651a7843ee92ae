// ESLint for every JavaScript file the project owns. `make lint` runs it from the project root
// (`eslint --config tools/lint/eslint.config.js .`), so the patterns below are relative to the
// root. Lines are held to 100 characters, as ruff holds the Python.

import js from "@eslint/js";
import globals from "globals";

const SERVICE_WORKER = "static/sw.js";
const SEARCH_WORKER = "static/lib/search-worker.js";

export default [
  {
    // Git-ignored folders that can hold other people's JavaScript (node_modules is never linted).
    ignores: [".venv/", "instance/", "build/", "test-artifacts/",
      // Vendored as published (static/vendor/README.md), so that it can be checked against npm.
      "static/vendor/"],
  },
  js.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      "max-len": ["error", { code: 100 }],
      // `const { terms, ...rest } = found` is how a key is left out of a copy.
      "no-unused-vars": ["error", { ignoreRestSiblings: true }],
    },
  },
  {
    files: ["static/**/*.js", "bench/*.js"],
    ignores: [SERVICE_WORKER, SEARCH_WORKER],
    languageOptions: { sourceType: "module", globals: globals.browser },
  },
  {
    files: [SEARCH_WORKER],
    languageOptions: { sourceType: "module", globals: globals.worker },
  },
  {
    // A classic worker: the page registers it without `type: "module"`. The server prepends
    // `const SHELL = {version, files}` when it serves it (satchel/web/shell.py).
    files: [SERVICE_WORKER],
    languageOptions: {
      sourceType: "script",
      globals: { ...globals.serviceworker, SHELL: "readonly" },
    },
  },
  {
    // Each file is one function expression that the browser tests hand to page.evaluate.
    files: ["tests/static/js/**/*.js"],
    languageOptions: { sourceType: "script", globals: globals.browser },
  },
  {
    files: ["tools/lint/*.js"],
    languageOptions: { sourceType: "module", globals: globals.node },
  },
];
