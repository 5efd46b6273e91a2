// The VS Code side of `aether lsp`: start the server for `.aether` files, restart it on
// request or when its settings change, and say clearly when it cannot be found.

import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";
import { resolveServer, serverArgs } from "./resolve";

let client: LanguageClient | undefined;
let output: vscode.OutputChannel | undefined;
let traceOutput: vscode.OutputChannel | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("Aether Language Server");
  traceOutput = vscode.window.createOutputChannel("Aether Language Server Trace");
  context.subscriptions.push(output, traceOutput);

  context.subscriptions.push(
    vscode.commands.registerCommand("aether.restartServer", async () => {
      await stopClient();
      await startClient();
    }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration("aether.path") || e.affectsConfiguration("aether.args")) {
        await stopClient();
        await startClient();
      }
    }),
  );

  await startClient();
}

export async function deactivate(): Promise<void> {
  await stopClient();
}

async function startClient(): Promise<void> {
  const config = vscode.workspace.getConfiguration("aether");
  const folders = (vscode.workspace.workspaceFolders ?? [])
    .filter((f) => f.uri.scheme === "file")
    .map((f) => f.uri.fsPath);

  const resolved = resolveServer({ configured: config.get<string>("path"), workspaceFolders: folders });
  if (!resolved.ok) {
    return report(resolved.message);
  }
  const args = serverArgs(config.get<unknown>("args"));
  if (!args.ok) {
    return report(args.message);
  }
  output?.appendLine(`Starting ${resolved.command} ${args.args.join(" ")}`);

  // The server takes relative `--config` and `--plugin-path` values from its working
  // directory: the first workspace folder, as for `aether check` run there.
  const executable = {
    command: resolved.command,
    args: args.args,
    transport: TransportKind.stdio,
    options: folders.length > 0 ? { cwd: folders[0] } : undefined,
  };
  const serverOptions: ServerOptions = { run: executable, debug: executable };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "aether" },
      { scheme: "untitled", language: "aether" },
    ],
    outputChannel: output,
    traceOutputChannel: traceOutput,
  };

  // The id `aether` makes the client read the `aether.trace.server` setting.
  client = new LanguageClient("aether", "Aether Language Server", serverOptions, clientOptions);
  try {
    await client.start();
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    client = undefined;
    return report(`The aether language server (${resolved.command}) failed to start: ${reason}`);
  }
}

async function stopClient(): Promise<void> {
  const running = client;
  client = undefined;
  if (running) {
    try {
      await running.stop();
    } catch (e) {
      output?.appendLine(`Stopping the server: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

/** Log the message and show it with its two remedies, without waiting for the user (so
 * activation and the restart command finish). */
function report(message: string): void {
  output?.appendLine(message);
  void vscode.window.showErrorMessage(message, "Open Settings", "Show Log").then((choice) => {
    if (choice === "Open Settings") {
      void vscode.commands.executeCommand("workbench.action.openSettings", "aether.path");
    } else if (choice === "Show Log") {
      output?.show();
    }
  });
}
