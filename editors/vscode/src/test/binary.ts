// The repository's release `aether` binary, which the tests that run it for real share, and
// the rule for skipping them when it has not been built. Not a test file itself: `test:unit`
// in package.json runs only `*.test.js`.

import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";

/** The repository root (this file is compiled to `editors/vscode/out/test/`). */
export const repo = path.resolve(__dirname, "..", "..", "..", "..");
export const binary = path.join(repo, "target", "release", process.platform === "win32" ? "aether.exe" : "aether");

/** Skip without the release binary, except in CI (`CI` set), where the cargo steps build it. */
export function missing(): string | false {
  if (fs.existsSync(binary)) {
    return false;
  }
  assert.ok(!process.env.CI, `CI: ${binary} is missing; the cargo steps should have built it`);
  return `no ${binary}; run cargo build --release first`;
}
