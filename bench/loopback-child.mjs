// Entry of the loopback bench server's child process: registers tsx so the
// TypeScript sources run as they are (like cli/replaysim.js), then starts it.
import { register } from "tsx/esm/api";

register();
await import("./loopback-server.ts");
