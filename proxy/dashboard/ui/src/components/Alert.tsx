/** An error or notice line, announced to screen readers. */
export function Alert({ message, kind = 'error' }: { message: string | undefined; kind?: 'error' | 'info' }) {
  if (message === undefined) return null;
  return (
    <p className={`alert ${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {message}
    </p>
  );
}
