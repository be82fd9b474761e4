import type { Page } from '@playwright/test';

/**
 * Everything the server's Content-Security-Policy refused in the page, as Chromium reports it on
 * the console ("Refused to load … because it violates the following Content Security Policy
 * directive"). Each is also printed as `[csp]`, so a policy that breaks an app shows in every
 * spec's output; specs that are about the policy assert the list is empty.
 */
export function watchContentSecurityPolicy(page: Page): string[] {
  const violations: string[] = [];
  page.on('console', (message) => {
    const text = message.text();
    if (!text.includes('Content Security Policy')) return;
    violations.push(text);
    console.log(`[csp] ${page.url()}: ${text}`);
  });
  return violations;
}
