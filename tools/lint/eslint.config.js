// ESLint for every JavaScript file the project owns. `make lint` runs it from the project root
// (`eslint --config tools/lint/eslint.config.js .`), so the patterns below are relative to the
// root. Lines are held to 100 characters, as ruff holds the Python.

import js from "@eslint/js";
import globals from "globals";

const SERVICE_WORKER = "static/sw.js";
const SEARCH_WORKER = "static/lib/search-worker.js";

// The app's layers: static/lib/ works without a page (the search worker and the tests load it);
// static/ui/ is what the screens share; static/screens/ are the screens, which only app.js (the
// router) imports; a screen never imports another one.
const importsFrom = (groups, message) => ["error", {
  patterns: [{ group: groups, message }],
}];

export default [
  {
    // Git-ignored folders that can hold other people's JavaScript (node_modules is never linted).
    ignores: [".venv/", "instance/", "build/", "built/", "test-artifacts/", "site/",
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
      // Longer needs a reason written beside it (an eslint-disable comment says it).
      "max-lines-per-function": ["error", { max: 60, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    // Ports of Whoosh's stemmers, kept step for step beside the originals so that they compare:
    // their one function is as long as the original's.
    files: ["static/lib/stem/*.js"],
    rules: { "max-lines-per-function": "off" },
  },
  {
    files: ["static/lib/**/*.js"],
    rules: {
      "no-restricted-imports": importsFrom(["**/screens/**", "**/ui/**", "**/app.js"],
        "static/lib/ works without a page: it imports nothing of the screens or their UI."),
      "no-restricted-globals": ["error",
        { name: "document", message: "static/lib/ works without a page: no DOM." },
        { name: "window", message: "static/lib/ works without a page: no DOM." }],
    },
  },
  {
    files: ["static/ui/*.js"],
    rules: {
      "no-restricted-imports": importsFrom(["**/screens/**", "**/app.js"],
        "static/ui/ is shared by the screens: it imports none of them."),
    },
  },
  {
    files: ["static/screens/*.js"],
    rules: {
      "no-restricted-imports": importsFrom(["./*", "**/screens/**", "**/app.js"],
        "A screen never imports another screen: shared UI goes to static/ui/."),
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
    // `const SHELL = {version, files}` and `const CONTENT` when it serves it
    // (satchel/web/shell.py).
    files: [SERVICE_WORKER],
    languageOptions: {
      sourceType: "script",
      globals: { ...globals.serviceworker, SHELL: "readonly", CONTENT: "readonly" },
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
