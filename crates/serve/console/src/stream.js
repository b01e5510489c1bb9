// The server's live event stream (`GET /api/alerts/stream`, Server-Sent
// Events) read with fetch, which can send the bearer token: EventSource
// cannot set headers. Reconnects after a drop, resuming after the last
// event id as EventSource does.
import { withToken, signIn } from './auth.js';

const RETRY_MS = 3000;

/**
 * Calls `handlers[event](data)` for each event and `onState(open)` as the
 * stream opens and drops; returns the function that closes it.
 */
export function liveEvents(handlers, onState) {
  const ctrl = new AbortController();
  let closed = false;
  let last = null;

  function dispatch(block) {
    let event = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (!line || line.startsWith(':')) continue;
      const at = line.indexOf(':');
      const field = at < 0 ? line : line.slice(0, at);
      const value = at < 0 ? '' : line.slice(at + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id') last = value;
    }
    const handle = handlers[event];
    if (handle && data.length) handle(data.join('\n'));
  }

  async function run() {
    while (!closed) {
      try {
        const headers = withToken({ Accept: 'text/event-stream' });
        if (last !== null) headers['Last-Event-ID'] = last;
        const r = await fetch('/api/alerts/stream', { headers, signal: ctrl.signal });
        if (r.status === 401) {
          const body = await r.json().catch(() => null);
          try {
            await signIn(body && body.error);
          } catch {
            onState(false);
            return;
          }
          continue;
        }
        if (!r.ok || !r.body) throw new Error(`HTTP ${r.status}`);
        onState(true);
        const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value.replace(/\r\n?/g, '\n');
          let end;
          while ((end = buf.indexOf('\n\n')) >= 0) {
            dispatch(buf.slice(0, end));
            buf = buf.slice(end + 2);
          }
        }
      } catch {
        // Closed, cancelled sign-in or a dropped connection: see below.
      }
      if (closed) return;
      onState(false);
      await new Promise((resolve) => { setTimeout(resolve, RETRY_MS); });
    }
  }
  run();
  return () => { closed = true; ctrl.abort(); };
}
