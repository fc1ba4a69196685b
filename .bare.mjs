import { RpcTarget, newMessagePortRpcSession } from "capnweb";
class Api extends RpcTarget { add(a, b) { return a + b; } }
const { port1, port2 } = new MessageChannel();
newMessagePortRpcSession(port1, new Api());
const stub = newMessagePortRpcSession(port2);
for (let i = 0; i < 2000; i++) await stub.add(i, 1);
const N = 20000; const t = performance.now();
for (let i = 0; i < N; i++) await stub.add(i, 1);
console.log("capnweb call over MessageChannel µs", (1000 * (performance.now() - t) / N).toFixed(1));
