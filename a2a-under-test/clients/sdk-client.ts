// Setup "sdk", client side: the official @a2a-js/sdk 1.3 client (ClientFactory
// + JSON-RPC transport) used as it is. No reconnect or resume logic of our
// own: a broken stream rejects with `network` and the workload decides.
// What is ours: mapping its items and errors onto our model, and deadlines on
// the injected clock (the SDK has none; it only honours an AbortSignal).

import { Role } from "@a2a-js/sdk";
import type { StreamResponse, Task } from "@a2a-js/sdk";
import { ClientFactory, DefaultAgentCardResolver, JsonRpcTransportFactory, type Client, type RequestOptions } from "@a2a-js/sdk/client";
import type { TimerHandle } from "../../protocol/ports.ts";
import { A2AError, a2aError } from "../protocol/errors.ts";
import { isTerminal, type A2AMessage, type StreamItem, type TaskState, type TaskView } from "../protocol/model.ts";
import type { A2AClient, A2AClientPorts, StreamEnd } from "../protocol/ports.ts";
import { partTexts, stateOf, taskViewOf, textPart } from "../bindings/sdk-server.ts";

/** Our error for anything the SDK client throws: its semantic errors by name (also as the `cause` of an SSE error event), the rest is transport. */
export function mapSdkError(error: unknown): A2AError {
  if (error instanceof A2AError) return error;
  const message = error instanceof Error ? error.message : String(error);
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    switch ((e as { name?: unknown }).name) {
      case "TaskNotFoundError":
        return a2aError("task_not_found", message);
      // The SDK answers a send to, or a subscribe on, a terminal task with UnsupportedOperation, a cancel of one with TaskNotCancelable.
      case "UnsupportedOperationError":
      case "TaskNotCancelableError":
        return a2aError("task_terminal", message);
      case "RequestMalformedError":
      case "ContentTypeNotSupportedError":
      case "VersionNotSupportedError":
      case "ExtensionSupportRequiredError":
      case "PushNotificationNotSupportedError":
      case "ExtendedAgentCardNotConfiguredError":
        return a2aError("invalid_request", message);
      case "InvalidAgentResponseError":
        return a2aError("internal", message);
      case "JsonRpcTransportError": {
        // A JSON-RPC error code with no semantic class: -32603 and the server range are internal.
        const code = (e as { envelopeCode?: unknown }).envelopeCode;
        return a2aError(code === -32603 || (typeof code === "number" && code <= -32000 && code >= -32099) ? "internal" : "invalid_request", message);
      }
    }
  }
  // fetch's TypeError, an abort, a body that broke or was cut mid-event, a non-JSON HTTP error page.
  return a2aError("network", message);
}

const CHUNK_SUFFIX = /#(\d+)\s*$/;

/** Maps one stream's SDK items onto ours; keeps a chunk count per artifact for texts that do not carry their number. */
class StreamMapper {
  taskId: string | null = null;
  lastState: TaskState | null = null;
  #counts = new Map<string, number>();

  map(response: StreamResponse): StreamItem[] {
    const p = response.payload;
    if (!p) return [];
    switch (p.$case) {
      case "task": {
        const task = taskViewOf(p.value);
        this.taskId ??= task.id;
        this.lastState = task.state;
        for (const a of task.artifacts) this.#counts.set(a.artifactId, a.chunks.length);
        return [{ kind: "snapshot", task, seq: null }];
      }
      case "statusUpdate": {
        const state = stateOf(p.value.status?.state);
        this.taskId ??= p.value.taskId;
        this.lastState = state;
        return [{ kind: "event", event: { kind: "status", taskId: p.value.taskId, state }, seq: null }];
      }
      case "artifactUpdate": {
        const { taskId, artifact, append } = p.value;
        this.taskId ??= taskId;
        if (!artifact) return [];
        let count = append ? (this.#counts.get(artifact.artifactId) ?? 0) : 0;
        return partTexts(artifact.parts).map((text): StreamItem => {
          const parsed = CHUNK_SUFFIX.exec(text);
          const chunk = parsed ? Number(parsed[1]) : count + 1;
          count = chunk;
          this.#counts.set(artifact.artifactId, chunk);
          return { kind: "event", event: { kind: "artifact", taskId, artifactId: artifact.artifactId, chunk, text }, seq: null };
        });
      }
      case "message":
        return [];
    }
  }

  end(): StreamEnd {
    const ended = this.lastState === null ? "closed" : isTerminal(this.lastState) ? "terminal" : this.lastState === "input-required" ? "interrupted" : "closed";
    return { taskId: this.taskId, ended };
  }
}

export function sdkClient(ports: A2AClientPorts): A2AClient {
  let closed = false;
  const active = new Set<(error: A2AError) => void>();
  // The signal of the call that is resolving the agent card (the SDK's resolver passes none).
  let cardSignal: AbortSignal | undefined;

  // Every request the SDK makes goes through the world's fetch with the world's headers.
  const fetchImpl: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    for (const [k, v] of Object.entries(ports.headers)) headers.set(k, v);
    return ports.fetch(input, { ...init, headers, signal: init?.signal ?? cardSignal ?? null });
  };
  const factory = new ClientFactory({ transports: [new JsonRpcTransportFactory({ fetchImpl })], cardResolver: new DefaultAgentCardResolver({ fetchImpl }) });

  let client: Promise<Client> | null = null;
  function sdk(signal: AbortSignal): Promise<Client> {
    if (!client) {
      cardSignal = signal;
      const p = factory.createFromUrl(ports.baseUrl);
      client = p;
      // A failed card fetch is retried by the next call.
      p.catch(() => {
        if (client === p) client = null;
      });
      void p.finally(() => {
        if (cardSignal === signal) cardSignal = undefined;
      }).catch(() => {});
    }
    return client;
  }

  /**
   * One call under a deadline on the injected clock. `body` gets the SDK
   * client, request options with our AbortSignal, and `touch` to re-arm the
   * deadline (streams: the deadline is per item, an idle deadline, since an
   * SSE stream may rightly outlive any one deadline).
   */
  function call<T>(body: (client: Client, options: RequestOptions, touch: () => void, settled: () => boolean) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (closed) return reject(a2aError("network", "client closed"));
      const abort = new AbortController();
      let timer: TimerHandle | null = null;
      let done = false;
      const finish = () => {
        done = true;
        timer?.cancel();
        active.delete(fail);
      };
      const fail = (error: A2AError) => {
        if (done) return;
        finish();
        abort.abort(error);
        reject(error);
      };
      const touch = () => {
        if (done) return;
        timer?.cancel();
        timer = ports.clock.setTimer(ports.deadline_ms, () => fail(a2aError("network", `no answer within ${ports.deadline_ms}ms`)));
      };
      active.add(fail);
      touch();
      sdk(abort.signal)
        .then((c) => body(c, { signal: abort.signal }, touch, () => done))
        .then(
          (value) => {
            if (done) return;
            finish();
            resolve(value);
          },
          (error: unknown) => fail(mapSdkError(error)),
        );
    });
  }

  /** Drains an SDK stream into `onItem`. A throw of `onItem` rejects the call as it is (not as a network error). */
  function stream(open: (client: Client, options: RequestOptions) => AsyncGenerator<StreamResponse>, onItem: (item: StreamItem) => void): Promise<StreamEnd> {
    let callbackError: { error: unknown } | null = null;
    const result = call(async (client, options, touch, settled) => {
      const mapper = new StreamMapper();
      for await (const response of open(client, options)) {
        // After a deadline the loop is left here, which cancels the SDK's body reader.
        if (settled()) return mapper.end();
        touch();
        for (const item of mapper.map(response)) {
          try {
            onItem(item);
          } catch (error) {
            callbackError = { error };
            throw error;
          }
        }
      }
      return mapper.end();
    });
    return result.catch((error: unknown) => {
      throw callbackError ? callbackError.error : error;
    });
  }

  return {
    resumes: false,

    sendStream(message: A2AMessage, onItem: (item: StreamItem) => void): Promise<StreamEnd> {
      return stream(
        (client, options) =>
          client.sendMessageStream(
            {
              tenant: "",
              message: {
                messageId: message.messageId,
                contextId: message.contextId ?? "",
                taskId: message.taskId ?? "",
                role: Role.ROLE_USER,
                parts: [textPart(message.text)],
                metadata: undefined,
                extensions: [],
                referenceTaskIds: [],
              },
              configuration: undefined,
              metadata: undefined,
            },
            options,
          ),
        onItem,
      );
    },

    subscribe(taskId: string, afterSeq: number | null, onItem: (item: StreamItem) => void): Promise<StreamEnd> {
      if (afterSeq !== null) return Promise.reject(a2aError("invalid_request", "the sdk setup cannot resume after a sequence number"));
      // SubscribeToTask: the SDK sends the stored task first, then live events if an execution bus is still there.
      return stream((client, options) => client.resubscribeTask({ tenant: "", id: taskId }, options), onItem);
    },

    getTask(taskId: string): Promise<TaskView> {
      return call(async (client, options) => taskViewOf((await client.getTask({ tenant: "", id: taskId }, options)) as Task));
    },

    cancel(taskId: string): Promise<TaskView> {
      return call(async (client, options) => taskViewOf((await client.cancelTask({ tenant: "", id: taskId, metadata: undefined }, options)) as Task));
    },

    close(): void {
      closed = true;
      for (const fail of [...active]) fail(a2aError("network", "client closed"));
    },
  };
}
