import { capnwebServer } from "../../a2a-under-test/bindings/capnweb-server.ts";
import { hardenedJsonRpcServer } from "../../a2a-under-test/bindings/hardened-jsonrpc-server.ts";
import { sdkServer } from "../../a2a-under-test/bindings/sdk-server.ts";
import { capnwebClient } from "../../a2a-under-test/clients/capnweb-client.ts";
import { jsonRpcClient } from "../../a2a-under-test/clients/jsonrpc-client.ts";
import { sdkClient } from "../../a2a-under-test/clients/sdk-client.ts";
import type { CoreParts } from "../../a2a-under-test/core/core-parts.ts";
import type { A2AClient, A2AClientPorts, A2AServer, A2AServerPorts, SetupName } from "../../a2a-under-test/protocol/ports.ts";

/** How the world starts each setup's server and client processes; `core` replaces parts of the hardened core (mutants). */
export interface SetupFactory {
  server(ports: A2AServerPorts, baseUrl: string, core: Partial<CoreParts>): A2AServer;
  client(ports: A2AClientPorts): A2AClient;
}

export const SETUP_FACTORIES: Record<SetupName, SetupFactory> = {
  sdk: { server: (ports, baseUrl) => sdkServer(ports, baseUrl), client: sdkClient },
  hardened: { server: (ports, baseUrl, core) => hardenedJsonRpcServer(ports, core, baseUrl), client: jsonRpcClient },
  capnweb: { server: (ports, baseUrl, core) => capnwebServer(ports, core, baseUrl), client: capnwebClient },
};
