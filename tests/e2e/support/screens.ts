import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';

/** A screenshot, and no serious or critical axe violation (all findings are printed). */
export async function check(page: Page, name: string, language: string): Promise<void> {
  await expect(page.locator('html')).toHaveAttribute('lang', language);
  await page.screenshot({ path: `../test-output/screens/${name}-${language}.png` });
  const results = await new AxeBuilder({ page }).analyze();
  for (const violation of results.violations) {
    console.log(`[axe ${name}-${language}] ${violation.impact} ${violation.id}: ${violation.help}`,
      violation.nodes.map((node) => node.target.join(' ')));
  }
  const blocking = results.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
  expect(blocking.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`)).toEqual([]);
}
