// What the proxy does to raw TCP sockets: reset them, or mute them.
import { Socket } from "node:net";

/** A TCP reset (RST) where possible: the peer sees ECONNRESET, not an orderly end. */
export function resetSocket(socket: Socket): void {
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

const OVERRIDES = ["write", "end", "destroy", "destroySoon"] as const;

type Own = Record<(typeof OVERRIDES)[number], unknown>;

/**
 * Silences a client's socket while a black hole holds it. The relays already swallow every
 * message, but the proxy's own libraries would still answer by themselves: ws echoes a close
 * frame and ends the socket, node:http closes an idle keep-alive connection. A dead host sends
 * nothing, so while muted no byte, FIN or RST leaves through this socket. Reading goes on.
 */
export function mute(socket: Socket): void {
  const own = socket as unknown as Own;
  own.write = (...args: unknown[]): boolean => {
    // Writers wait for the callback (ws sends its close frame this way): report the bytes as sent.
    const callback = args.find((a): a is () => void => typeof a === "function");
    if (callback) process.nextTick(callback);
    return true;
  };
  own.end = (): Socket => socket;
  own.destroySoon = (): void => {};
  own.destroy = (err?: Error): Socket => {
    // An error from the socket itself (the client reset it, say) tears down what is already
    // gone and sends nothing; any other destroy would close the client's side with a FIN.
    if (err !== undefined && (err as NodeJS.ErrnoException).syscall !== undefined) Socket.prototype.destroy.call(socket, err);
    return socket;
  };
}

/** The socket's own methods again (they live on the prototype). */
export function unmute(socket: Socket): void {
  const own = socket as unknown as Partial<Own>;
  for (const name of OVERRIDES) delete own[name];
}
