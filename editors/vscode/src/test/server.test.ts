// The command line the extension builds, run for real: `aether.path` set to the repository's
// release binary (relative to the workspace folder, as a user would set it), `aether.args`
// passed through, and one document checked over stdio. Skipped when the binary has not been
// built, except in CI, whose cargo steps build it before these tests.

import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as cp from "child_process";
import * as path from "path";
import { resolveServer, serverArgs } from "../resolve";
import { binary, missing, repo } from "./binary";

/** Send LSP messages over stdio and collect the replies until `done` says stop. */
function session(
  command: string,
  args: string[],
  cwd: string,
  messages: object[],
  done: (received: any[]) => boolean,
): Promise<any[]> {
  return new Promise((resolve, reject) => {
    const child = cp.spawn(command, args, { cwd, stdio: ["pipe", "pipe", "pipe"] });
    const received: any[] = [];
    let stderr = "";
    let stopping = false;
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    let buffer = Buffer.alloc(0);
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`no answer in time; received ${JSON.stringify(received)}`));
    }, 20000);
    child.stdout.on("data", (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const headerEnd = buffer.indexOf("\r\n\r\n");
        if (headerEnd < 0) {
          break;
        }
        const length = Number(/Content-Length: (\d+)/i.exec(buffer.subarray(0, headerEnd).toString())?.[1]);
        if (buffer.length < headerEnd + 4 + length) {
          break;
        }
        received.push(JSON.parse(buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString()));
        buffer = buffer.subarray(headerEnd + 4 + length);
      }
      if (!stopping && done(received)) {
        stopping = true;
        const shutdown = [
          { jsonrpc: "2.0", id: 99, method: "shutdown", params: null },
          { jsonrpc: "2.0", method: "exit", params: null },
        ];
        for (const m of shutdown) {
          const body = JSON.stringify(m);
          child.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
        }
      }
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) {
        resolve(received);
      } else {
        reject(new Error(`server exited with ${code}: ${stderr}; received ${JSON.stringify(received)}`));
      }
    });
    for (const m of messages) {
      const body = JSON.stringify(m);
      child.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    }
  });
}

test("the resolved server starts with aether.args and publishes diagnostics", { skip: missing() }, async () => {
  const resolved = resolveServer({ configured: "target/release/aether", workspaceFolders: [repo], env: {} });
  assert.ok(resolved.ok, JSON.stringify(resolved));
  assert.equal(resolved.command, binary);
  const args = serverArgs(["--isolated", "--deny-warnings"]);
  assert.ok(args.ok);

  const uri = "file://" + path.join(repo, "scratch.aether");
  const received = await session(
    resolved.command,
    args.args,
    repo,
    [
      { jsonrpc: "2.0", id: 1, method: "initialize", params: { processId: null, rootUri: null, capabilities: {} } },
      { jsonrpc: "2.0", method: "initialized", params: {} },
      {
        jsonrpc: "2.0",
        method: "textDocument/didOpen",
        params: { textDocument: { uri, languageId: "aether", version: 1, text: 'goal: "ship"\nx = len()\n' } },
      },
    ],
    (r) => r.some((m) => m.method === "textDocument/publishDiagnostics"),
  );
  const init = received.find((m) => m.id === 1);
  assert.ok(init?.result?.capabilities?.hoverProvider, JSON.stringify(init));
  const published = received.find((m) => m.method === "textDocument/publishDiagnostics");
  assert.equal(published.params.uri, uri);
  const codes = published.params.diagnostics.map((d: any) => d.code);
  assert.ok(codes.includes("V004"), `expected V004 (wrong argument count) in ${JSON.stringify(codes)}`);
});
