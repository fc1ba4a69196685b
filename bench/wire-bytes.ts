// How many bytes a request occupies on the wire, for the in-process mode where
// there is no socket to count them. Loopback mode counts real socket bytes.

/** An HTTP/1.1 request: request line, the headers it carries, blank line, body. */
export function httpRequestBytes(method: string, url: string, headers: Headers, bodyBytes: number): number {
  const target = new URL(url);
  let n = Buffer.byteLength(`${method} ${target.pathname}${target.search} HTTP/1.1\r\nhost: ${target.host}\r\n`);
  headers.forEach((value, name) => {
    n += Buffer.byteLength(`${name}: ${value}\r\n`);
  });
  if (!headers.has("content-length") && bodyBytes > 0) n += Buffer.byteLength(`content-length: ${bodyBytes}\r\n`);
  return n + 2 + bodyBytes;
}

/** A client-to-server WebSocket text frame: header, 4-byte mask, payload (RFC 6455 §5.2). */
export function wsClientFrameBytes(payload: string): number {
  const len = Buffer.byteLength(payload);
  const header = len < 126 ? 2 : len < 65_536 ? 4 : 10;
  return header + 4 + len;
}
