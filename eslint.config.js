// Lint: TypeScript rules plus the process boundaries (style.md): the renderer imports only main/api's types (and the
// wire constants), the preload only main/api, the UI-side main process never loads the native engine, and only the
// engine host writes a run's run.json.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const restrict = (patterns) => ({ '@typescript-eslint/no-restricted-imports': ['error', { patterns }] });
const noEngine = { regex: '(^|/)engine/(addon|engine)$', message: 'Only the engine host process (main/host) and the CLI load the native engine: a native crash must not take down the UI.' };
const oneRunJsonWriter = {
  regex: '(^|/)run-dir$',
  importNames: ['writeRunProgress'],
  message: "run.json has one writer, the engine host's training job (main/host/trainer/run-progress.ts): main indexes the host's events and writes only identity.json.",
};

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'native/build/**', 'test/.tmp/**', 'test/e2e/artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', performance: 'readonly', structuredClone: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly', fetch: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-empty': ['error', { allowEmptyCatch: true }],
      'no-control-regex': 'off',
      // Flags the usual `let x = default; try { x = ... } catch { x = ... }` pattern; not worth the noise.
      'no-useless-assignment': 'off',
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    rules: restrict([
      { regex: '(^|/)main/(?!api/)', message: 'The renderer imports only from main/api, the shared layer: it runs sandboxed, talking to the typed API.' },
      { regex: '(^|/)main/api/(?!wire$)', allowTypeImports: true, message: 'The renderer imports only types from main/api (and main/api/wire constants).' },
      { group: ['node:*', 'electron'], message: 'The renderer has no Node and no Electron: use the API in renderer/src/api.' },
    ]),
  },
  {
    files: ['preload/**/*.ts'],
    rules: restrict([{ regex: '(^|/)main/(?!api/)', message: 'The preload may import only main/api (the contract and channel names).' }]),
  },
  {
    // One writer per fact: only the engine host writes a run's progress (run.json).
    files: ['main/**'],
    ignores: ['main/host/**', 'main/api/**'],
    rules: restrict([oneRunJsonWriter]),
  },
  {
    files: ['main/app/**', 'main/server/**', 'main/services/**', 'main/runs/**', 'main/library/**'],
    rules: restrict([noEngine, oneRunJsonWriter]),
  },
  {
    // The shared contract is the bottom layer: every process imports it, and it imports nothing but zod and itself.
    files: ['main/api/**'],
    rules: restrict([{ regex: '^\\.\\./', message: 'main/api is the shared bottom layer: move the type into main/api instead of importing it from a domain module.' }]),
  },
);
