// Vite's client types (import.meta.env, CSS imports) for the renderer.
/// <reference types="vite/client" />
