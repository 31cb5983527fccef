// Electron security decisions (pure functions): trusted renderer URLs, external link allow-list, webPreferences, version.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isAllowedExternalUrl, isTrustedRendererUrl, secureWebPreferences, CONTENT_SECURITY_POLICY } from '../../../main/app/security-policy';
import { APP_VERSION } from '../../../main/services/app-info';
import { eventNames, methodNames, methods } from '../../../main/api/contract';

describe('Electron security policy', () => {
  it('trusts only the packaged renderer page or the dev server origin', () => {
    expect(isTrustedRendererUrl('file:///opt/Lathe/resources/app/out/renderer/index.html')).toBe(true);
    expect(isTrustedRendererUrl('file:///etc/passwd')).toBe(false);
    expect(isTrustedRendererUrl('https://evil.example/renderer/index.html')).toBe(false);
    expect(isTrustedRendererUrl('http://localhost:5173/', 'http://localhost:5173')).toBe(true);
    expect(isTrustedRendererUrl('http://localhost:5174/', 'http://localhost:5173')).toBe(false);
    expect(isTrustedRendererUrl('not a url')).toBe(false);
  });

  it('opens only allow-listed https links externally', () => {
    expect(isAllowedExternalUrl('https://huggingface.co/meta-llama')).toBe(true);
    expect(isAllowedExternalUrl('https://docs.github.com/x')).toBe(true);
    expect(isAllowedExternalUrl('http://huggingface.co/')).toBe(false);
    expect(isAllowedExternalUrl('https://huggingface.co.evil.example/')).toBe(false);
    expect(isAllowedExternalUrl('https://user:pw@github.com/')).toBe(false);
    expect(isAllowedExternalUrl('file:///etc/passwd')).toBe(false);
    expect(isAllowedExternalUrl('javascript:alert(1)')).toBe(false);
  });

  it('uses isolated, sandboxed, Node-free web preferences and a strict CSP', () => {
    const p = secureWebPreferences('/x/preload.cjs');
    expect(p).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-eval');
  });
});

describe('contract and version', () => {
  it('keeps the app version in step with package.json', () => {
    expect(APP_VERSION).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
  });

  it('names every method namespace.method with a description and a validator', () => {
    for (const name of methodNames) {
      expect(name).toMatch(/^[a-z]+\.[a-zA-Z]+$/);
      expect(methods[name].description.length).toBeGreaterThan(5);
      expect(typeof methods[name].input.safeParse).toBe('function');
    }
    expect(eventNames.length).toBeGreaterThan(0);
  });
});
