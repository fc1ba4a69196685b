import { RpcSession, RpcTarget, type RpcStub, type RpcTransport } from "capnweb";
import type { Accepted } from "../core/hardened-core.ts";
import { CAPNWEB_PATH, type CapnwebA2AApi, type CapnwebListener } from "../bindings/capnweb-server.ts";
import { A2AError, codeOf } from "../protocol/errors.ts";
import { isTerminal, type A2AMessage, type StreamItem, type TaskEvent, type TaskState, type TaskView } from "../protocol/model.ts";
import type { A2AClient, A2AClientPorts, StreamEnd } from "../protocol/ports.ts";

// The capnweb client of setup 3: one long session over a WebSocket for
// everything. A stream is a listener object passed to the server, which calls
// it back per event. Any failure of the session fails everything pending on it
// with `network`; the next call opens a new session.

type Main = RpcStub<CapnwebA2AApi>;

const network = (message: string) => new A2AError("network", message);

/** An error that came back as an answer keeps its code; anything else is a transport failure. */
function fromRemote(error: unknown): A2AError {
  if (error instanceof A2AError) return error;
  return new A2AError(codeOf(error), String((error as Error)?.message ?? error));
}

/** One capnweb session and what waits on it. */
class Connection {
  readonly main: Main;
  /** Failers of every call and stream pending on this session. */
  readonly pending = new Set<(error: A2AError) => void>();
  #broken = false;

  constructor(transport: RpcTransport) {
    this.main = new RpcSession<CapnwebA2AApi>(transport).getRemoteMain();
    // capnweb calls this when the session aborts for any reason: the socket failed, a send failed, the server aborted.
    this.main.onRpcBroken((reason) => this.break(network(`session broke: ${String((reason as Error)?.message ?? reason)}`)));
  }

  get broken(): boolean {
    return this.#broken;
  }

  /** Fails everything pending and shuts the session (disposing the main stub aborts it and closes the transport). */
  break(error: A2AError): void {
    if (this.#broken) return;
    this.#broken = true;
    for (const fail of [...this.pending]) fail(error);
    this.pending.clear();
    this.main[Symbol.dispose]();
  }
}

/** The listener the server calls back; exported to the server by capnweb when passed as an argument. */
class StreamListener extends RpcTarget implements CapnwebListener {
  readonly #onEvent: (seq: number, event: TaskEvent) => void;
  readonly #onEnd: (state: TaskState) => void;

  constructor(onEvent: (seq: number, event: TaskEvent) => void, onEnd: (state: TaskState) => void) {
    super();
    this.#onEvent = onEvent;
    this.#onEnd = onEnd;
  }

  event(seq: number, event: TaskEvent): void {
    this.#onEvent(seq, event);
  }

  end(state: TaskState): void {
    this.#onEnd(state);
  }
}

/**
 * capnweb HTTP batch through `ports.fetch` (capnweb's own batch client calls the
 * global fetch after a macrotask): every message the session sends until
 * `flush` goes in one POST, and its answer is what the session reads.
 */
class FetchBatchTransport implements RpcTransport {
  readonly #outgoing: string[] = [];
  #answered: (lines: string[]) => void = () => {};
  #failed: (error: unknown) => void = () => {};
  readonly #incoming = new Promise<string[]>((resolve, reject) => {
    this.#answered = resolve;
    this.#failed = reject;
  });

  send(message: string): void {
    this.#outgoing.push(message);
  }

  async receive(): Promise<string> {
    const next = (await this.#incoming).shift();
    if (next === undefined) throw new Error("batch ended");
    return next;
  }

  abort(): void {}

  /** Posts what was sent so far; the answer's lines are what `receive` reads. */
  flush(post: (body: string) => Promise<string[]>): void {
    post(this.#outgoing.join("\n")).then(this.#answered, this.#failed);
  }
}

class CapnwebClient implements A2AClient {
  readonly resumes = true;
  readonly #ports: A2AClientPorts;
  #connection: Connection | null = null;
  #closed = false;

  constructor(ports: A2AClientPorts) {
    this.#ports = ports;
  }

  sendStream(message: A2AMessage, onItem: (item: StreamItem) => void): Promise<StreamEnd> {
    return this.#stream(null, onItem, (main, listener) => main.sendMessage(message, listener) as PromiseLike<Accepted>);
  }

  subscribe(taskId: string, afterSeq: number | null, onItem: (item: StreamItem) => void): Promise<StreamEnd> {
    // The resume extension: null (no position) replays the task's whole log, which folds to a snapshot.
    return this.#stream(taskId, onItem, (main, listener) => (main.subscribe(taskId, afterSeq ?? 0, listener) as PromiseLike<{ seq: number }>).then(() => ({ taskId })));
  }

  getTask(taskId: string): Promise<TaskView> {
    return this.#call((main) => main.getTask(taskId) as PromiseLike<TaskView>);
  }

  cancel(taskId: string): Promise<TaskView> {
    return this.#call((main) => main.cancelTask(taskId) as PromiseLike<TaskView>);
  }

  close(): void {
    this.#closed = true;
    this.#connection?.break(network("client closed"));
    this.#connection = null;
  }

  /** The live session, or a new one when the last one broke. */
  #open(): Connection {
    if (this.#closed) throw network("client closed");
    if (this.#connection && !this.#connection.broken) return this.#connection;
    const open = this.#ports.openWebSocket;
    if (!open) throw network("no WebSocket to open");
    this.#connection = new Connection(open());
    return this.#connection;
  }

  /** A call that does not stream, under the deadline; via HTTP batch when there is no WebSocket. */
  #call<T>(run: (main: Main) => PromiseLike<T>): Promise<T> {
    if (!this.#ports.openWebSocket && !this.#closed) return this.#batchCall(run);
    let connection: Connection;
    try {
      connection = this.#open();
    } catch (error) {
      return Promise.reject(fromRemote(error));
    }
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const settle = (finish: () => void) => {
        if (settled) return;
        settled = true;
        timer.cancel();
        connection.pending.delete(fail);
        finish();
      };
      const fail = (error: A2AError) => settle(() => reject(error));
      connection.pending.add(fail);
      // No answer in time: the session is suspect, so it goes (a late answer could not be told from a new one).
      const timer = this.#ports.clock.setTimer(this.#ports.deadline_ms, () => connection.break(network("deadline")));
      issue(connection, () => run(connection.main), (value) => settle(() => resolve(value)), fail);
    });
  }

  /**
   * A stream: the listener's events go to `onItem`; it settles when `end`
   * arrived and so has the call's answer (both orders happen: a retried send
   * of a finished task replays and ends before the call returns). Only the
   * call's answer has a deadline: a stream waits as long as the task runs, and
   * the world cuts connections.
   */
  #stream(known: string | null, onItem: (item: StreamItem) => void, start: (main: Main, listener: StreamListener) => PromiseLike<{ taskId: string }>): Promise<StreamEnd> {
    let connection: Connection;
    try {
      connection = this.#open();
    } catch (error) {
      return Promise.reject(fromRemote(error));
    }
    return new Promise<StreamEnd>((resolve, reject) => {
      let settled = false;
      let taskId = known;
      let answered = false;
      let ended: TaskState | null = null;
      const settle = (finish: () => void) => {
        if (settled) return;
        settled = true;
        timer?.cancel();
        timer = null;
        connection.pending.delete(fail);
        finish();
      };
      const fail = (error: A2AError) => settle(() => reject(error));
      const finishIfDone = () => {
        if (answered && ended !== null) settle(() => resolve({ taskId, ended: isTerminal(ended!) ? "terminal" : "interrupted" }));
      };
      const listener = new StreamListener(
        (seq, event) => {
          if (settled) return;
          try {
            onItem({ kind: "event", event, seq });
          } catch (error) {
            settle(() => reject(error));
          }
        },
        (state) => {
          if (settled) return;
          ended = state;
          finishIfDone();
        },
      );
      connection.pending.add(fail);
      let timer: { cancel(): void } | null = this.#ports.clock.setTimer(this.#ports.deadline_ms, () => {
        timer = null;
        connection.break(network("deadline"));
      });
      issue(
        connection,
        () => start(connection.main, listener),
        (answer) => {
          timer?.cancel();
          timer = null;
          answered = true;
          taskId = answer.taskId;
          finishIfDone();
        },
        fail,
      );
    });
  }

  /** One call in one HTTP batch POST through `ports.fetch`, under the deadline. */
  #batchCall<T>(run: (main: Main) => PromiseLike<T>): Promise<T> {
    const ports = this.#ports;
    const transport = new FetchBatchTransport();
    const main = new RpcSession<CapnwebA2AApi>(transport).getRemoteMain();
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const settle = (finish: () => void) => {
        if (settled) return;
        settled = true;
        timer.cancel();
        finish();
      };
      const timer = ports.clock.setTimer(ports.deadline_ms, () => settle(() => reject(network("deadline"))));
      // Sends the call and its pull now, so the batch holds both before it is posted.
      run(main).then(
        (value) => settle(() => resolve(value)),
        (error) => settle(() => reject(fromRemote(error))),
      );
      transport.flush(async (body) => {
        let response: Response;
        try {
          response = await ports.fetch(`${ports.baseUrl}${CAPNWEB_PATH}`, { method: "POST", headers: ports.headers, body });
        } catch (error) {
          settle(() => reject(network(String((error as Error)?.message ?? error))));
          throw error;
        }
        if (!response.ok) {
          const error = await response.json().then((b) => (b as { error?: { code?: string; message?: string } }).error, () => undefined);
          const failure = error?.code ? fromRemote(error) : network(`HTTP ${response.status}`);
          settle(() => reject(failure));
          throw failure;
        }
        const text = await response.text();
        return text === "" ? [] : text.split("\n");
      });
    });
  }
}

/** What a call's failure means: a transport failure once its session broke, else the server's own answer. */
function failureOn(connection: Connection, error: unknown): A2AError {
  return connection.broken ? network(String((error as Error)?.message ?? error)) : fromRemote(error);
}

/** Sends one call on a session; its answer goes to `answered`, any failure (a synchronous throw too) to `fail`. */
function issue<T>(connection: Connection, send: () => PromiseLike<T>, answered: (value: T) => void, fail: (error: A2AError) => void): void {
  let call: PromiseLike<T>;
  try {
    call = send();
  } catch (error) {
    fail(failureOn(connection, error));
    return;
  }
  call.then(answered, (error) => fail(failureOn(connection, error)));
}

export function capnwebClient(ports: A2AClientPorts): A2AClient {
  return new CapnwebClient(ports);
}
