/**
 * Runs `listener` when the response closes (answered in full, or cut). A response emits 'close' once, so this is
 * `on`, not `once`: `once` wraps every listener in a state object and a bound function, which the response keeps
 * for as long as it is open (for a stream, its whole life), and several layers of the request path wait for it.
 */
import type { ServerResponse } from 'node:http';

export function whenClosed(res: ServerResponse, listener: () => void): void {
  res.on('close', listener);
}
