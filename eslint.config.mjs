// ESLint flat config: one place for the code's habits. Formatting is Prettier's job
// (eslint-config-prettier turns the overlapping rules off); the folder rules (public faces,
// who may import electron, no cycles) live in test/unit/architecture.test.ts.
import js from '@eslint/js'
import prettier from 'eslint-config-prettier'
import importX from 'eslint-plugin-import-x'
import vue from 'eslint-plugin-vue'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'out/',
      'dist/',
      '.native/',
      '.tmp/',
      'test-results/',
      'playwright-report/',
      'docs/screenshots/'
    ]
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } }
  },
  {
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: 'module',
      globals: { ...globals.node }
    },
    plugins: { 'import-x': importX },
    rules: {
      // Unused names are defects; a leading underscore marks a deliberately unused parameter.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
      // TypeScript checks names; ESLint's own check does not know DOM/TS global types.
      'no-undef': 'off',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': 'off',
      'prefer-const': 'error',
      'import-x/first': 'error',
      'import-x/no-duplicates': 'error',
      'import-x/no-self-import': 'error',
      'import-x/no-useless-path-segments': 'error',
      'import-x/newline-after-import': 'error'
    }
  },
  {
    files: ['src/renderer/**/*.{ts,vue}'],
    languageOptions: { globals: { ...globals.browser } }
  },
  {
    files: ['src/renderer/**/*.{ts,vue}', 'src/shared/**/*.ts'],
    rules: {
      // The renderer runs sandboxed and the shared contract runs on both sides: no Node built-ins.
      'no-restricted-imports': ['error', { patterns: ['node:*'] }]
    }
  },
  {
    // CommonJS files (the Electron stand-in, Electronegativity's offline shim) load with require().
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' }
  },
  {
    // Test clients read arbitrary JSON answers; `any` there is the response body's honest type.
    files: ['server-mock/test-helpers.ts', 'server-mock/**/*.test.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' }
  },
  {
    // Playwright fixtures take `{}` when they use no other fixture.
    files: ['test/e2e/**/*.ts', 'test/screenshots/**/*.ts', 'test/electron/**/*.ts'],
    rules: { 'no-empty-pattern': 'off' }
  },
  {
    files: ['**/*.vue'],
    rules: {
      // Labels are the manuals' Chinese terms in i18n files; single-word component names are the views'.
      'vue/multi-word-component-names': 'off'
    }
  },
  prettier
)
