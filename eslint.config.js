// ESLint for the TypeScript sources and tests (typescript-eslint's type-aware strict rules, less
// the few that fight this codebase's deliberate choices) and the scripts. Formatting is Prettier's
// (.prettierrc.json); both run in `npm run lint`, and so in `npm test` and CI.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

const LINE = { code: 140, ignoreUrls: true, ignoreRegExpLiterals: true };

export default tseslint.config(
  { ignores: ["dist/**", "generated/**", "node_modules/**", ".tmp/**", "docs/**", "cjs/**"] },
  js.configs.recommended,
  {
    rules: { "max-len": ["error", LINE] },
  },
  {
    files: ["**/*.mjs", "**/*.js"],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ["**/*.ts"],
    extends: [...tseslint.configs.strictTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Numbers and booleans read fine in messages.
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true, allowBoolean: true }],
      // With noUncheckedIndexedAccess, `!` is how code says "this index exists"; the compiler still checks the rest.
      "@typescript-eslint/no-non-null-assertion": "off",
      // `(x) => void list.push(x)` and one-line arrows returning a call are this codebase's idiom.
      "@typescript-eslint/no-confusing-void-expression": "off",
    },
  },
  {
    // Tests: vitest's asymmetric matchers (expect.any, expect.stringMatching) are typed `any`, and
    // expectTypeOf(ims.method) names methods without calling them.
    files: ["test/**/*.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/unbound-method": "off",
      // `(await call().catch((e: unknown) => e)) as ImsApiError`: a test names the error it expects, then checks it.
      "@typescript-eslint/no-unsafe-class-instance-assignment": "off",
      // A test's name, and an expected message or body, read best whole.
      "max-len": ["error", { ...LINE, ignoreStrings: true, ignoreTemplateLiterals: true }],
    },
  },
);
