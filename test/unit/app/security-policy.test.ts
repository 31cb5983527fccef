// Electron security decisions (pure functions): trusted renderer URLs, external link allow-list, webPreferences, version.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { electronContentSecurityPolicy, isAllowedExternalUrl, isTrustedRendererUrl, rendererFileUrl } from '../../../main/app/security-policy';
import { APP_VERSION } from '../../../main/services/app-info';
import { eventNames, methodNames, methods } from '../../../main/api/contract';

describe('Electron security policy', () => {
  it('trusts only this build\'s renderer page or the dev server origin', () => {
    const packaged = { rendererUrl: rendererFileUrl('/opt/Lathe/resources/app/out') };
    expect(isTrustedRendererUrl('file:///opt/Lathe/resources/app/out/renderer/index.html', packaged)).toBe(true);
    expect(isTrustedRendererUrl('file:///opt/Lathe/resources/app/out/renderer/index.html#/train', packaged)).toBe(true);
    expect(isTrustedRendererUrl('file:///opt/Lathe/resources/app/out/main/../renderer/index.html', packaged)).toBe(true);
    // Any other renderer/index.html on disk (a downloaded file, another app) is not this one.
    expect(isTrustedRendererUrl('file:///home/me/Downloads/renderer/index.html', packaged)).toBe(false);
    expect(isTrustedRendererUrl('file:///tmp/x/out/renderer/index.html', packaged)).toBe(false);
    expect(isTrustedRendererUrl('file:///opt/Lathe/resources/app/out/renderer/index.html.evil', packaged)).toBe(false);
    expect(isTrustedRendererUrl('file:///etc/passwd', packaged)).toBe(false);
    expect(isTrustedRendererUrl('https://evil.example/renderer/index.html', packaged)).toBe(false);
    expect(isTrustedRendererUrl('file:///opt/Lathe/resources/app/out/renderer/index.html', {})).toBe(false);
    expect(isTrustedRendererUrl('http://localhost:5173/', { devServerUrl: 'http://localhost:5173' })).toBe(true);
    expect(isTrustedRendererUrl('http://localhost:5174/', { devServerUrl: 'http://localhost:5173' })).toBe(false);
    expect(isTrustedRendererUrl('not a url', packaged)).toBe(false);
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

  it('uses a strict CSP (the web preferences are checked on the window itself in window-hardening.test.ts)', () => {
    const csp = electronContentSecurityPolicy();
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain('unsafe-eval');
  });

  it('lets the renderer connect nowhere under Electron, only to the dev server in development', () => {
    expect(electronContentSecurityPolicy()).toContain("connect-src 'none';");
    expect(electronContentSecurityPolicy('http://localhost:5173/')).toContain('connect-src http://localhost:5173 ws://localhost:5173;');
    expect(electronContentSecurityPolicy()).not.toMatch(/ws:|wss:|\*/);
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
