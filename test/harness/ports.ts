import { createServer } from 'node:net';

/**
 * Asks the kernel for a free loopback port. Another process may grab it before our child binds it,
 * so starters that use this retry their whole start on "address already in use".
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port assigned');
  return address.port;
}

export function isAddressInUse(output: string): boolean {
  return /address already in use|EADDRINUSE|bind: address/i.test(output);
}
