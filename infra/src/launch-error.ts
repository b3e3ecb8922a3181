/**
 * A launch problem a person can fix, worded as the one line they need: what is wrong and what
 * to do. Scripts print `fleetstream: <message>` and exit 1, without a stack trace.
 */
export class LaunchError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LaunchError';
  }
}
