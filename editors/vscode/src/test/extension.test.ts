// The extension's wiring, with `vscode` and the language client replaced by recorders: which
// command line the client gets, what the user sees when `aether` is missing, and that the
// restart command and a settings change start a fresh client.

import { after, beforeEach, test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
const Module = require("module");

interface Recorded {
  settings: Record<string, unknown>;
  errors: string[];
  commands: Map<string, () => Promise<void>>;
  configListeners: ((e: { affectsConfiguration(s: string): boolean }) => Promise<void>)[];
  clients: FakeClient[];
}

const rec: Recorded = { settings: {}, errors: [], commands: new Map(), configListeners: [], clients: [] };

class FakeClient {
  started = false;
  stopped = false;
  constructor(
    public id: string,
    public name: string,
    public serverOptions: any,
    public clientOptions: any,
  ) {
    rec.clients.push(this);
  }
  async start(): Promise<void> {
    this.started = true;
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }
}

const folder = fs.mkdtempSync(path.join(os.tmpdir(), "aether-ext-"));
fs.mkdirSync(path.join(folder, "bin"));
const binary = path.join(folder, "bin", "aether");
fs.writeFileSync(binary, "#!/bin/sh\n");
fs.chmodSync(binary, 0o755);
after(() => fs.rmSync(folder, { recursive: true, force: true }));

const fakeVscode = {
  window: {
    createOutputChannel: () => ({ appendLine() {}, show() {}, dispose() {} }),
    showErrorMessage: (message: string) => {
      rec.errors.push(message);
      return Promise.resolve(undefined);
    },
  },
  workspace: {
    workspaceFolders: [{ uri: { scheme: "file", fsPath: folder } }],
    getConfiguration: (section: string) => ({
      get: (key: string) => rec.settings[`${section}.${key}`],
    }),
    onDidChangeConfiguration: (listener: any) => {
      rec.configListeners.push(listener);
      return { dispose() {} };
    },
  },
  commands: {
    registerCommand: (name: string, f: () => Promise<void>) => {
      rec.commands.set(name, f);
      return { dispose() {} };
    },
    executeCommand: async () => undefined,
  },
};
const fakeClientModule = { LanguageClient: FakeClient, TransportKind: { stdio: 0 } };

const originalLoad = Module._load;
Module._load = function (request: string, ...rest: unknown[]) {
  if (request === "vscode") {
    return fakeVscode;
  }
  if (request === "vscode-languageclient/node") {
    return fakeClientModule;
  }
  return originalLoad.call(this, request, ...rest);
};
const extension = require("../extension");

function context(): any {
  return { subscriptions: [] };
}

beforeEach(async () => {
  await extension.deactivate();
  rec.settings = {};
  rec.errors = [];
  rec.commands.clear();
  rec.configListeners = [];
  rec.clients = [];
});

test("the client runs `aether lsp` plus aether.args in the workspace folder, for aether documents", async () => {
  rec.settings = { "aether.path": "bin/aether", "aether.args": ["--isolated", "--config", "ci.toml"] };
  await extension.activate(context());
  assert.equal(rec.errors.length, 0, rec.errors.join("\n"));
  assert.equal(rec.clients.length, 1);
  const client = rec.clients[0];
  assert.equal(client.id, "aether", "the id under which the client reads aether.trace.server");
  assert.equal(client.started, true);
  assert.deepEqual(client.serverOptions.run, {
    command: binary,
    args: ["lsp", "--isolated", "--config", "ci.toml"],
    transport: 0,
    options: { cwd: folder },
  });
  assert.deepEqual(client.serverOptions.debug, client.serverOptions.run);
  assert.ok(client.clientOptions.documentSelector.some((s: any) => s.language === "aether" && s.scheme === "file"));
});

test("a missing executable is an error message with the install hint, and no client", async () => {
  rec.settings = { "aether.path": "target/release/aether" };
  await extension.activate(context());
  assert.equal(rec.clients.length, 0);
  assert.equal(rec.errors.length, 1);
  assert.match(rec.errors[0], /aether\.path/);
  assert.match(rec.errors[0], /cargo install --path \./);
});

test("aether.args that is not a list of strings is reported, not passed on", async () => {
  rec.settings = { "aether.path": "bin/aether", "aether.args": "--isolated" };
  await extension.activate(context());
  assert.equal(rec.clients.length, 0);
  assert.match(rec.errors[0], /must be a list of strings/);
});

test("Aether: Restart Server stops the client and starts a new one", async () => {
  rec.settings = { "aether.path": "bin/aether" };
  await extension.activate(context());
  const restart = rec.commands.get("aether.restartServer");
  assert.ok(restart, "the command is registered");
  await restart();
  assert.equal(rec.clients.length, 2);
  assert.equal(rec.clients[0].stopped, true);
  assert.equal(rec.clients[1].started, true);
});

test("changing aether.path or aether.args restarts the server; other settings do not", async () => {
  rec.settings = { "aether.path": "bin/aether" };
  await extension.activate(context());
  const changed = (key: string) => ({ affectsConfiguration: (s: string) => s === key });
  for (const listener of rec.configListeners) {
    await listener(changed("editor.fontSize"));
  }
  assert.equal(rec.clients.length, 1);
  rec.settings["aether.args"] = ["--deny-warnings"];
  for (const listener of rec.configListeners) {
    await listener(changed("aether.args"));
  }
  assert.equal(rec.clients.length, 2);
  assert.equal(rec.clients[0].stopped, true);
  assert.deepEqual(rec.clients[1].serverOptions.run.args, ["lsp", "--deny-warnings"]);
});
