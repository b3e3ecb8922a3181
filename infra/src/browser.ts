import { aptInstall } from './host.js';

/** Debian's chromium, which playwright-core drives: downloaded browsers cannot install here. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags for headless chromium as root on a machine with no outside network. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Installs Debian's chromium when missing (as root), or says what to install. */
export function ensureChromium(): Promise<void> {
  return aptInstall('chromium', 'chromium (for the browser tests)');
}
