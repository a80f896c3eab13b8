/**
 * A full garbage collection in another Node process, through its inspector (the process runs with
 * `--inspect=127.0.0.1:<port>`). The memory benchmark samples RSS right after one, so a sample measures what
 * is alive rather than how much garbage the young generation happened to hold at that moment: unsettled,
 * the same run's "memory per open stream" swung between 6 and 70 KiB.
 */
import WebSocket from 'ws';

export async function collectGarbage(inspectorPort: number): Promise<void> {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
  const url = targets[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error(`no inspector target on port ${inspectorPort}`);
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  try {
    // Twice: objects freed by the first collection's finalizers (sockets, streams) go in the second.
    for (const id of [1, 2]) {
      const answered = new Promise<void>((resolve) => {
        const onMessage = (data: WebSocket.RawData): void => {
          if ((JSON.parse(String(data)) as { id?: number }).id !== id) return;
          socket.off('message', onMessage);
          resolve();
        };
        socket.on('message', onMessage);
      });
      socket.send(JSON.stringify({ id, method: 'HeapProfiler.collectGarbage' }));
      await answered;
    }
  } finally {
    socket.close();
  }
}
