export * from "./errors.ts";
export * from "./limits.ts";
export * from "./ops.ts";
export * from "./ports.ts";
export * from "./rpc.ts";
export * from "./session-view.ts";
export * from "./validate.ts";
export * from "./message-transport.ts";
