// Which executable runs the language server, and with which arguments.
//
// Kept free of the `vscode` module so `node --test` can test it: the extension passes in the
// settings, the workspace folders and the environment.

import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface ResolveOptions {
  /** The `aether.path` setting; empty or missing means `aether` on PATH. */
  configured?: string;
  /** File-system paths of the open workspace folders, first one first. */
  workspaceFolders?: readonly string[];
  /** Where PATH (and PATHEXT on Windows) are read; defaults to `process.env`. */
  env?: Record<string, string | undefined>;
  /** Defaults to `process.platform`; decides the path syntax and PATH separator. */
  platform?: NodeJS.Platform;
  /** What `~` means; defaults to `os.homedir()`. */
  homedir?: string;
  /** Whether a path is an executable file; defaults to a stat and an X_OK access check. */
  isExecutable?: (file: string) => boolean;
}

export type Resolution =
  | { ok: true; command: string; from: "setting" | "PATH" }
  | { ok: false; message: string };

export const INSTALL_HINT =
  "Install it with `cargo install --path .` in a checkout of the aether sources " +
  "(or build it with `cargo build --release`), or set `aether.path` to the executable.";

export function defaultIsExecutable(file: string, platform: NodeJS.Platform = process.platform): boolean {
  try {
    if (!fs.statSync(file).isFile()) {
      return false;
    }
    if (platform !== "win32") {
      fs.accessSync(file, fs.constants.X_OK);
    }
    return true;
  } catch {
    return false;
  }
}

/** Find the executable that `aether.path` names (or `aether` on PATH). */
export function resolveServer(options: ResolveOptions = {}): Resolution {
  const platform = options.platform ?? process.platform;
  const env = options.env ?? process.env;
  const p = platform === "win32" ? path.win32 : path.posix;
  const isExecutable = options.isExecutable ?? ((f: string) => defaultIsExecutable(f, platform));
  const configured = (options.configured ?? "").trim();
  const folders = options.workspaceFolders ?? [];

  if (configured === "") {
    const found = searchPath("aether", env, platform, isExecutable);
    if (found) {
      return { ok: true, command: found, from: "PATH" };
    }
    return {
      ok: false,
      message: `The aether language server could not start: no \`aether\` executable on PATH. ${INSTALL_HINT}`,
    };
  }

  let candidate = configured;
  if (candidate === "~" || candidate.startsWith("~/") || (platform === "win32" && candidate.startsWith("~\\"))) {
    candidate = p.join(options.homedir ?? os.homedir(), candidate.slice(1));
  }

  if (p.isAbsolute(candidate)) {
    const found = withExtensions(candidate, env, platform).find(isExecutable);
    if (found) {
      return { ok: true, command: found, from: "setting" };
    }
    return {
      ok: false,
      message: `The aether language server could not start: \`aether.path\` is "${configured}", which is not an executable file. ${INSTALL_HINT}`,
    };
  }

  const hasSeparator = candidate.includes("/") || (platform === "win32" && candidate.includes("\\"));
  if (hasSeparator) {
    if (folders.length === 0) {
      return {
        ok: false,
        message: `The aether language server could not start: \`aether.path\` is the relative path "${configured}", and no workspace folder is open to take it from. Use an absolute path. ${INSTALL_HINT}`,
      };
    }
    for (const folder of folders) {
      const found = withExtensions(p.resolve(folder, candidate), env, platform).find(isExecutable);
      if (found) {
        return { ok: true, command: found, from: "setting" };
      }
    }
    const tried = folders.map((f) => p.resolve(f, candidate)).join(", ");
    return {
      ok: false,
      message: `The aether language server could not start: \`aether.path\` is "${configured}", and no executable is there (looked at ${tried}). ${INSTALL_HINT}`,
    };
  }

  const found = searchPath(candidate, env, platform, isExecutable);
  if (found) {
    return { ok: true, command: found, from: "PATH" };
  }
  return {
    ok: false,
    message: `The aether language server could not start: \`aether.path\` is "${configured}", which is not an executable on PATH. ${INSTALL_HINT}`,
  };
}

/** `aether lsp` and the `aether.args` setting, checked: every item must be a string. */
export function serverArgs(extra: unknown): { ok: true; args: string[] } | { ok: false; message: string } {
  if (extra === undefined || extra === null) {
    return { ok: true, args: ["lsp"] };
  }
  if (!Array.isArray(extra) || !extra.every((a) => typeof a === "string")) {
    return { ok: false, message: "`aether.args` must be a list of strings, such as [\"--isolated\"]." };
  }
  const args = extra as string[];
  // `lsp` is added by the extension; a setting copied from another editor's `aether lsp`
  // configuration may repeat it.
  const rest = args[0] === "lsp" ? args.slice(1) : args;
  return { ok: true, args: ["lsp", ...rest] };
}

function pathKey(env: Record<string, string | undefined>, name: string): string | undefined {
  // Windows environment names are case-insensitive (`Path`).
  const key = Object.keys(env).find((k) => k.toUpperCase() === name);
  return key === undefined ? undefined : env[key];
}

function withExtensions(file: string, env: Record<string, string | undefined>, platform: NodeJS.Platform): string[] {
  if (platform !== "win32" || path.win32.extname(file) !== "") {
    return [file];
  }
  const exts = (pathKey(env, "PATHEXT") ?? ".COM;.EXE;.BAT;.CMD").split(";").filter((e) => e !== "");
  // Without an extension Windows cannot start the file, so only the PATHEXT forms count.
  return exts.map((e) => file + e.toLowerCase());
}

function searchPath(
  name: string,
  env: Record<string, string | undefined>,
  platform: NodeJS.Platform,
  isExecutable: (file: string) => boolean,
): string | undefined {
  const p = platform === "win32" ? path.win32 : path.posix;
  const dirs = (pathKey(env, "PATH") ?? "").split(platform === "win32" ? ";" : ":");
  for (const dir of dirs) {
    // An empty PATH entry is the current directory in POSIX shells; the extension host's
    // current directory means nothing to the user, so it is skipped.
    if (dir === "") {
      continue;
    }
    for (const file of withExtensions(p.join(dir, name), env, platform)) {
      if (isExecutable(file)) {
        return file;
      }
    }
  }
  return undefined;
}
