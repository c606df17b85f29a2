/** The browser tests use the same headless Chromium as `rxdr report --pdf`. */
export { launchChromium } from '../../lib/report/headless-chromium';
