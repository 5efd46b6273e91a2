// Unit tests of the server lookup, run by `node --test out/test/` (no VS Code needed).

import { after, test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { defaultIsExecutable, resolveServer, serverArgs, INSTALL_HINT } from "../resolve";

const posix = process.platform !== "win32";

const made: string[] = [];
after(() => {
  for (const dir of made) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** A temporary folder holding the given files; `exec` ones get mode 0755. */
function tree(files: Record<string, "exec" | "plain">): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "aether-vscode-"));
  made.push(root);
  for (const [name, kind] of Object.entries(files)) {
    const file = path.join(root, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, "#!/bin/sh\n");
    fs.chmodSync(file, kind === "exec" ? 0o755 : 0o644);
  }
  return root;
}

test("no setting: the first executable `aether` on PATH", { skip: !posix }, () => {
  const a = tree({ "aether": "plain" });
  const b = tree({ "aether": "exec" });
  const c = tree({ "aether": "exec" });
  const r = resolveServer({ env: { PATH: ["", a, path.join(a, "missing"), b, c].join(":") } });
  assert.deepEqual(r, { ok: true, command: path.join(b, "aether"), from: "PATH" });
});

test("an empty or blank setting means PATH", { skip: !posix }, () => {
  const b = tree({ "aether": "exec" });
  for (const configured of ["", "   ", undefined]) {
    const r = resolveServer({ configured, env: { PATH: b } });
    assert.deepEqual(r, { ok: true, command: path.join(b, "aether"), from: "PATH" });
  }
});

test("nothing on PATH: an error that says so and how to install", () => {
  const r = resolveServer({ env: { PATH: tree({}) } });
  assert.equal(r.ok, false);
  assert.ok(!r.ok);
  assert.match(r.message, /no `aether` executable on PATH/);
  assert.ok(r.message.includes("cargo install --path ."), r.message);
  assert.ok(r.message.endsWith(INSTALL_HINT));
  // No PATH at all is the same error, not a crash.
  const none = resolveServer({ env: {} });
  assert.ok(!none.ok && /no `aether` executable on PATH/.test(none.message));
});

test("a configured absolute path is used as it is", { skip: !posix }, () => {
  const dir = tree({ "bin/aether-dev": "exec" });
  const file = path.join(dir, "bin/aether-dev");
  const r = resolveServer({ configured: file, env: { PATH: "" } });
  assert.deepEqual(r, { ok: true, command: file, from: "setting" });
});

test("a configured path that is missing, a folder, or not executable is an error naming it", { skip: !posix }, () => {
  const dir = tree({ "aether": "plain" });
  for (const configured of [path.join(dir, "nope"), dir, path.join(dir, "aether")]) {
    const r = resolveServer({ configured, env: { PATH: "" } });
    assert.ok(!r.ok);
    assert.ok(r.message.includes(`\`aether.path\` is "${configured}", which is not an executable file`), r.message);
    assert.ok(r.message.includes(INSTALL_HINT));
  }
});

test("a relative path is taken from the workspace folders, first match wins", { skip: !posix }, () => {
  const first = tree({});
  const second = tree({ "target/release/aether": "exec" });
  const third = tree({ "target/release/aether": "exec" });
  const r = resolveServer({ configured: "target/release/aether", workspaceFolders: [first, second, third], env: {} });
  assert.deepEqual(r, { ok: true, command: path.join(second, "target/release/aether"), from: "setting" });
  const dotted = resolveServer({ configured: "./target/release/aether", workspaceFolders: [third], env: {} });
  assert.deepEqual(dotted, { ok: true, command: path.join(third, "target/release/aether"), from: "setting" });
});

test("a relative path found in no folder lists where it looked", () => {
  const a = tree({});
  const r = resolveServer({ configured: "target/release/aether", workspaceFolders: [a], env: {} });
  assert.ok(!r.ok);
  assert.ok(r.message.includes(path.resolve(a, "target/release/aether")), r.message);
  const alone = resolveServer({ configured: "target/release/aether", workspaceFolders: [], env: {} });
  assert.ok(!alone.ok && alone.message.includes("no workspace folder is open"), JSON.stringify(alone));
});

test("a bare name is looked up on PATH", { skip: !posix }, () => {
  const dir = tree({ "aether-nightly": "exec" });
  const r = resolveServer({ configured: "aether-nightly", env: { PATH: dir } });
  assert.deepEqual(r, { ok: true, command: path.join(dir, "aether-nightly"), from: "PATH" });
  const missing = resolveServer({ configured: "aether-old", env: { PATH: dir } });
  assert.ok(!missing.ok && missing.message.includes('"aether-old", which is not an executable on PATH'));
});

test("~ is the home directory", { skip: !posix }, () => {
  const home = tree({ ".cargo/bin/aether": "exec" });
  const r = resolveServer({ configured: "~/.cargo/bin/aether", homedir: home, env: {} });
  assert.deepEqual(r, { ok: true, command: path.join(home, ".cargo/bin/aether"), from: "setting" });
});

test("Windows: PATH with ;, PATHEXT, Path spelled in any case, backslash paths", () => {
  const exists = new Set(["C:\\tools\\aether.exe", "D:\\src\\aether\\target\\release\\aether.exe"]);
  const isExecutable = (f: string) => exists.has(f);
  const env = { Path: "C:\\empty;C:\\tools", PATHEXT: ".COM;.EXE" };
  assert.deepEqual(resolveServer({ platform: "win32", env, isExecutable }), {
    ok: true,
    command: "C:\\tools\\aether.exe",
    from: "PATH",
  });
  assert.deepEqual(
    resolveServer({
      platform: "win32",
      env,
      isExecutable,
      configured: "target\\release\\aether",
      workspaceFolders: ["D:\\src\\aether"],
    }),
    { ok: true, command: "D:\\src\\aether\\target\\release\\aether.exe", from: "setting" },
  );
  assert.deepEqual(resolveServer({ platform: "win32", env, isExecutable, configured: "C:\\tools\\aether.exe" }), {
    ok: true,
    command: "C:\\tools\\aether.exe",
    from: "setting",
  });
});

test("the real executable check: files with the x bit only", { skip: !posix }, () => {
  const dir = tree({ run: "exec", data: "plain" });
  assert.equal(defaultIsExecutable(path.join(dir, "run")), true);
  assert.equal(defaultIsExecutable(path.join(dir, "data")), false);
  assert.equal(defaultIsExecutable(dir), false);
  assert.equal(defaultIsExecutable(path.join(dir, "absent")), false);
});

test("server arguments: lsp, then aether.args", () => {
  assert.deepEqual(serverArgs(undefined), { ok: true, args: ["lsp"] });
  assert.deepEqual(serverArgs([]), { ok: true, args: ["lsp"] });
  assert.deepEqual(serverArgs(["--isolated"]), { ok: true, args: ["lsp", "--isolated"] });
  assert.deepEqual(serverArgs(["--config", "ci/aether.toml", "--deny-warnings"]), {
    ok: true,
    args: ["lsp", "--config", "ci/aether.toml", "--deny-warnings"],
  });
  // A leading `lsp` copied from another editor's configuration is not doubled.
  assert.deepEqual(serverArgs(["lsp", "--isolated"]), { ok: true, args: ["lsp", "--isolated"] });
  for (const bad of ["--isolated", [1], { a: 1 }]) {
    const r = serverArgs(bad);
    assert.ok(!r.ok && r.message.includes("must be a list of strings"));
  }
});
