import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../cli/errors';
import { launchChromium } from './headless-chromium';

/**
 * Print the report to PDF with the headless Chromium (A4, the report's print stylesheet: no disclosure
 * contents). Without the browser packages the error says how to print by hand instead.
 */
export async function printToPdf(htmlFile: string, pdfFile: string): Promise<void> {
  let browser;
  try {
    browser = await launchChromium();
  } catch (error) {
    throw new UsageError(
      `--pdf: cannot start the headless Chromium (${(error as Error).message.split('\n')[0]}). Install ` +
        `the development dependencies (\`npm ci\`), or open ${htmlFile} in a browser and print it to PDF.`,
    );
  }
  try {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(path.resolve(htmlFile)).toString());
    await page.pdf({
      path: pdfFile,
      format: 'A4',
      printBackground: true,
      margin: { top: '12mm', bottom: '12mm', left: '10mm', right: '10mm' },
    });
  } finally {
    await browser.close();
  }
}
