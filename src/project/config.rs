//! Project configuration: `aether.toml`.
//!
//! ```toml
//! [host]
//! functions = ["current_time", "notify(channel, message=?)"]
//! verbs = ["transcribe"]
//! plugins = ["sysmon"]
//! [check]
//! plugin-path = ["plugins"]
//! deny-warnings = false
//! [lint]
//! ignore = ["L002"]
//! per-file-ignores = { "legacy/**" = ["V001"] }
//! [memory]
//! quota = "64 MiB"
//! [trust]
//! trusted-keys = "keys/trusted"
//! revoked = "keys/revoked.txt"
//! strict = true
//! ```
//!
//! Three layers, as in ruff: the raw serde options (every key optional, unknown keys
//! rejected), then a `Config` with paths made absolute against the file's directory, rule ids
//! resolved and globs compiled, and `Discovery`, which finds the config of each checked file
//! (the nearest `aether.toml` above it; no merging) and caches the answer per directory.

use crate::project::host::{Cost, Host, HostFunction};
use crate::syntax::diagnostic::{find_rule, Rule};
use crate::syntax::span::LineIndex;
use globset::{GlobBuilder, GlobMatcher};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use toml::Spanned;

/// The name discovery looks for.
pub const CONFIG_FILE: &str = "aether.toml";

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    #[serde(default)]
    host: RawHost,
    #[serde(default)]
    check: RawCheck,
    #[serde(default)]
    lint: RawLint,
    #[serde(default)]
    memory: RawMemory,
    #[serde(default)]
    trust: RawTrust,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawTrust {
    /// A directory of trusted Ed25519 public keys (`*.pub`).
    trusted_keys: Option<Spanned<String>>,
    /// A revocation list (key ids or signature digests).
    revoked: Option<Spanned<String>>,
    strict: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawMemory {
    /// A size (`"64 MiB"`) or a number of bytes.
    quota: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawHost {
    #[serde(default)]
    functions: Vec<Spanned<String>>,
    #[serde(default)]
    verbs: Vec<Spanned<String>>,
    #[serde(default)]
    plugins: Vec<Spanned<String>>,
    #[serde(default)]
    names: Vec<Spanned<String>>,
    /// `[host.returns]`: what the mock host answers, by function, plugin call or name.
    #[serde(default)]
    returns: BTreeMap<String, toml::Value>,
    /// `[host.costs]`: what one call costs against the `policy:` budgets.
    #[serde(default)]
    costs: BTreeMap<String, RawCost>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawCost {
    #[serde(default)]
    risk: f64,
    #[serde(default)]
    tokens: f64,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawCheck {
    #[serde(default)]
    plugin_path: Vec<Spanned<String>>,
    deny_warnings: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawLint {
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    #[serde(default)]
    per_file_ignores: BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
}

/// A TOML value as JSON (dates become their text), the form run values are made from.
fn toml_to_json(v: &toml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        toml::Value::String(s) => J::String(s.clone()),
        toml::Value::Integer(i) => J::from(*i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        toml::Value::Boolean(b) => J::Bool(*b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(a) => J::Array(a.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => J::Object(
            t.iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect(),
        ),
    }
}

/// A loaded `aether.toml`.
#[derive(Debug)]
pub struct Config {
    /// The file, as shown in messages.
    pub path: PathBuf,
    /// Its directory (absolute): `plugin-path` and `per-file-ignores` are relative to it.
    pub root: PathBuf,
    pub host: Host,
    /// `[check] plugin-path`, absolute.
    pub plugin_paths: Vec<PathBuf>,
    /// `[check] deny-warnings`; `None` when the file does not say.
    pub deny_warnings: Option<bool>,
    /// `[memory] quota` in bytes; `None` when the file does not say.
    pub memory_quota: Option<u64>,
    /// `[trust]`: what signature verification trusts.
    pub trust: TrustSettings,
    ignore: Vec<&'static Rule>,
    per_file_ignores: Vec<PerFileIgnore>,
}

/// `[trust]` of a configuration; each part `None` when the file does not say. Paths are
/// absolute, and exist (a directory, a file) when the configuration loaded. The command
/// line overrides each part (`--trusted-keys`, `--revoked`, `--strict` and
/// `AETHERRA_SCRIPT_VERIFY_STRICT`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustSettings {
    /// `trusted-keys`: the directory of trusted Ed25519 public keys.
    pub trusted_keys: Option<PathBuf>,
    /// `revoked`: the revocation list.
    pub revoked: Option<PathBuf>,
    /// `strict`: unsigned scripts fail verification.
    pub strict: Option<bool>,
}

#[derive(Debug)]
struct PerFileIgnore {
    matcher: GlobMatcher,
    rules: Vec<&'static Rule>,
}

/// Rules switched off for one file.
#[derive(Clone, Debug, Default)]
pub struct RuleSet(Vec<&'static Rule>);

impl RuleSet {
    pub fn contains(&self, rule: &Rule) -> bool {
        self.0.iter().any(|r| r.id == rule.id)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A configuration that cannot be used; the whole run stops on it (exit 2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    /// 1-based line and column, when the problem is at a place in the file.
    pub position: Option<(usize, usize)>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, col)) => {
                write!(f, "{}:{line}:{col}: {}", self.path.display(), self.message)
            }
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let shown = shown_path(path);
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            path: shown.clone(),
            position: None,
            message: format!("cannot read the configuration: {e}"),
        })?;
        Config::parse(&text, path).map_err(|mut e| {
            e.path = shown;
            e
        })
    }

    /// Parses the text of the config file `path` (which need not exist: only its directory
    /// matters, for relative paths).
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let lines = LineIndex::new(text);
        let error = |span: Option<std::ops::Range<usize>>, message: String| ConfigError {
            path: path.to_path_buf(),
            position: span.map(|s| lines.line_col(text, s.start)),
            message,
        };
        let raw: RawConfig =
            toml::from_str(text).map_err(|e| error(e.span(), e.message().trim().to_string()))?;
        let root = path
            .parent()
            .map(|p| {
                if p.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    p
                }
            })
            .map(absolute)
            .unwrap_or_else(|| absolute(Path::new(".")));

        let mut host = Host::default();
        for entry in &raw.host.functions {
            let f = HostFunction::parse(entry.get_ref()).map_err(|e| {
                error(
                    Some(entry.span()),
                    format!("bad `[host] functions` entry: {e}"),
                )
            })?;
            if host.function(&f.name).is_some() {
                return Err(error(
                    Some(entry.span()),
                    format!("host function `{}` is declared twice", f.name),
                ));
            }
            host.functions.push(f);
        }
        for (key, names, out) in [
            ("verbs", &raw.host.verbs, &mut host.verbs),
            ("plugins", &raw.host.plugins, &mut host.plugins),
            ("names", &raw.host.names, &mut host.names),
        ] {
            for name in names {
                let n = name.get_ref().trim();
                if n.is_empty() || n.contains(char::is_whitespace) {
                    return Err(error(
                        Some(name.span()),
                        format!("`[host] {key}` entry `{n}` is not a single word"),
                    ));
                }
                out.push(n.to_string());
            }
        }
        for (name, value) in &raw.host.returns {
            host.returns.insert(name.clone(), toml_to_json(value));
        }
        for (name, cost) in &raw.host.costs {
            host.costs.insert(
                name.clone(),
                Cost {
                    risk: cost.risk,
                    tokens: cost.tokens,
                },
            );
        }

        let mut plugin_paths = Vec::new();
        for dir in &raw.check.plugin_path {
            let full = root.join(dir.get_ref());
            // A misspelt directory would otherwise silently leave imports unresolved.
            if !full.is_dir() {
                return Err(error(
                    Some(dir.span()),
                    format!(
                        "`plugin-path` entry `{}` is not a directory (paths are relative to the \
                         directory of {CONFIG_FILE})",
                        dir.get_ref()
                    ),
                ));
            }
            plugin_paths.push(full);
        }

        let rules = |ids: &[Spanned<String>],
                     key: &str|
         -> Result<Vec<&'static Rule>, ConfigError> {
            ids.iter()
                .map(|id| ignorable_rule(id.get_ref(), key).map_err(|m| error(Some(id.span()), m)))
                .collect()
        };
        let ignore = rules(&raw.lint.ignore, "ignore")?;
        let mut per_file_ignores = Vec::new();
        for (pattern, ids) in &raw.lint.per_file_ignores {
            let matcher = GlobBuilder::new(pattern.get_ref())
                .literal_separator(true)
                .build()
                .map_err(|e| {
                    error(
                        Some(pattern.span()),
                        format!(
                            "bad glob `{}` in `per-file-ignores`: {}",
                            pattern.get_ref(),
                            e.kind()
                        ),
                    )
                })?
                .compile_matcher();
            per_file_ignores.push(PerFileIgnore {
                matcher,
                rules: rules(ids, "per-file-ignores")?,
            });
        }

        let memory_quota = match &raw.memory.quota {
            None => None,
            Some(value) => {
                let text = match value.get_ref() {
                    toml::Value::String(text) => text.clone(),
                    toml::Value::Integer(bytes) => bytes.to_string(),
                    other => other.to_string(),
                };
                let quota = crate::project::quota::parse_quota(&text)
                    .map_err(|e| error(Some(value.span()), format!("`[memory] quota`: {e}")))?;
                Some(quota)
            }
        };

        // A misspelt trust store must not silently trust nothing or revoke nothing.
        let trust_path = |value: &Option<Spanned<String>>,
                          key: &str,
                          want_dir: bool|
         -> Result<Option<PathBuf>, ConfigError> {
            let Some(value) = value else { return Ok(None) };
            let full = root.join(value.get_ref());
            let (ok, kind) = if want_dir {
                (full.is_dir(), "a directory")
            } else {
                (full.is_file(), "a file")
            };
            if value.get_ref().trim().is_empty() || !ok {
                return Err(error(
                    Some(value.span()),
                    format!(
                        "`[trust] {key}` `{}` is not {kind} (paths are relative to the \
                         directory of {CONFIG_FILE})",
                        value.get_ref()
                    ),
                ));
            }
            Ok(Some(full))
        };
        let trust = TrustSettings {
            trusted_keys: trust_path(&raw.trust.trusted_keys, "trusted-keys", true)?,
            revoked: trust_path(&raw.trust.revoked, "revoked", false)?,
            strict: raw.trust.strict,
        };

        Ok(Config {
            path: path.to_path_buf(),
            root,
            host,
            plugin_paths,
            deny_warnings: raw.check.deny_warnings,
            memory_quota,
            trust,
            ignore,
            per_file_ignores,
        })
    }

    /// The rules switched off for `file`: `ignore`, plus every `per-file-ignores` entry whose
    /// glob matches the file's path relative to the config's directory, or its name.
    pub fn ignored_rules(&self, file: Option<&Path>) -> RuleSet {
        let mut set = self.ignore.clone();
        if let Some(file) = file.filter(|_| !self.per_file_ignores.is_empty()) {
            let file = absolute_file(file);
            let relative = file.strip_prefix(&self.root).ok();
            let name = file.file_name().map(Path::new);
            for entry in &self.per_file_ignores {
                if relative.is_some_and(|r| entry.matcher.is_match(r))
                    || name.is_some_and(|n| entry.matcher.is_match(n))
                {
                    set.extend(entry.rules.iter().copied());
                }
            }
        }
        RuleSet(set)
    }
}

/// The rule `key` names, if configuration may switch it off. Parse, I/O and internal errors
/// always stand (ruff cannot ignore syntax errors either), and run-time rules are not
/// produced by a check, so ignoring them would only look like it does something.
fn ignorable_rule(key: &str, option: &str) -> Result<&'static Rule, String> {
    let rule = find_rule(key.trim()).ok_or_else(|| {
        format!("unknown rule `{key}` in `{option}` (`aether explain` lists them)")
    })?;
    let why = match rule.id.as_bytes().first() {
        Some(b'P') => Some("parse errors are always reported"),
        Some(b'I') => Some("I/O errors are always reported"),
        Some(b'X') => Some("internal errors are always reported"),
        Some(b'R' | b'T' | b'U') => Some("it is reported by running a script, not by a check"),
        _ => None,
    };
    match why {
        Some(why) => Err(format!(
            "rule `{}` ({}) cannot be ignored: {why}",
            rule.id, rule.name
        )),
        None => Ok(rule),
    }
}

/// Where a run takes its configuration from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ConfigSource {
    /// The nearest `aether.toml` above each checked file.
    Discover,
    /// This file, for every checked file (`--config FILE`).
    File(PathBuf),
    /// No configuration at all (`--isolated`, and library callers that do not ask).
    #[default]
    Isolated,
}

type Found = Result<Option<Arc<Config>>, ConfigError>;

/// Finds the configuration of each checked file. Shared by the threads of a bulk check: the
/// answer for a directory is computed once.
#[derive(Default)]
pub struct Discovery {
    source: ConfigSource,
    explicit: Option<Arc<Config>>,
    dirs: Mutex<HashMap<PathBuf, Found>>,
}

impl Discovery {
    /// An explicit `--config FILE` is loaded here, so a broken one fails before any check.
    pub fn new(source: ConfigSource) -> Result<Discovery, ConfigError> {
        let explicit = match &source {
            ConfigSource::File(path) => Some(Arc::new(Config::load(path)?)),
            _ => None,
        };
        Ok(Discovery {
            source,
            explicit,
            dirs: Mutex::default(),
        })
    }

    pub fn source(&self) -> &ConfigSource {
        &self.source
    }

    /// The configuration that applies to the files directly in `dir` (the `--root` of a
    /// command that treats a whole tree under one policy, such as `aether verify`).
    pub fn for_directory(&self, dir: &Path) -> Found {
        match self.source {
            ConfigSource::Isolated => Ok(None),
            ConfigSource::File(_) => Ok(self.explicit.clone()),
            ConfigSource::Discover => self.for_dir(dir),
        }
    }

    /// The configuration that applies to `file` (`None` for text that has no file).
    pub fn for_file(&self, file: Option<&Path>) -> Found {
        match self.source {
            ConfigSource::Isolated => Ok(None),
            ConfigSource::File(_) => Ok(self.explicit.clone()),
            ConfigSource::Discover => match file {
                Some(file) => self.for_dir(parent_dir(file)),
                None => Ok(None),
            },
        }
    }

    fn for_dir(&self, given: &Path) -> Found {
        // One lock for the whole walk: two threads never load the same file twice, and a walk
        // is a few `stat` calls except the first time a config is read.
        let mut dirs = self.dirs.lock().unwrap_or_else(|e| e.into_inner());
        // The directory as the caller spelt it is cached too, so the files of a bulk check
        // after the first in a folder cost no system call.
        if let Some(hit) = dirs.get(given) {
            return hit.clone();
        }
        let start = absolute(given);
        let mut walked = vec![given.to_path_buf()];
        let mut dir = Some(start.as_path());
        let found = loop {
            let Some(d) = dir else { break Ok(None) };
            if let Some(hit) = dirs.get(d) {
                break hit.clone();
            }
            walked.push(d.to_path_buf());
            let candidate = d.join(CONFIG_FILE);
            if candidate.is_file() {
                break Config::load(&candidate).map(|c| Some(Arc::new(c)));
            }
            dir = d.parent();
        };
        for d in walked {
            dirs.insert(d, found.clone());
        }
        found
    }
}

fn parent_dir(file: &Path) -> &Path {
    match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Canonical when the path exists (so `a/../b` and symlinks compare equal), else made
/// absolute without touching the disk.
fn absolute(path: &Path) -> PathBuf {
    path.canonicalize()
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_path_buf())
}

/// A file's absolute path through its canonical directory (the file itself may be a symlink
/// whose name is what per-file globs are written against).
fn absolute_file(file: &Path) -> PathBuf {
    match file.file_name() {
        Some(name) => absolute(parent_dir(file)).join(name),
        None => absolute(file),
    }
}

/// A path relative to the working directory when it is below it, so messages read the same
/// on every machine.
fn shown_path(path: &Path) -> PathBuf {
    let full = absolute_file(path);
    std::env::current_dir()
        .ok()
        .map(|cwd| absolute(&cwd))
        .and_then(|cwd| full.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("/nonexistent/project/aether.toml"))
    }

    fn err(text: &str) -> String {
        parse(text).expect_err("config error").to_string()
    }

    #[test]
    fn full_example_loads() {
        let c = parse(
            r#"
[host]
functions = ["current_time", "has_method(plugin, method)", "notify(channel, message=?)"]
verbs = ["transcribe", "showcase"]
plugins = ["sysmon", "report_merger"]
[host.returns]
current_time = "2026-01-01T06:00:00Z"
"sysmon.status" = { state = "ok", disk = 71 }
[host.costs]
notify = { risk = 0.5 }
[check]
deny-warnings = true
[lint]
ignore = ["L002", "unknown-function"]
per-file-ignores = { "legacy/**" = ["V001"], "*_draft.aether" = ["W002"] }
"#,
        )
        .unwrap();
        assert_eq!(c.host.functions.len(), 3);
        assert_eq!(c.host.function("current_time").unwrap().params, None);
        assert_eq!(
            c.host.function("notify").unwrap().signature(),
            Some((vec!["channel", "message"], 1, false))
        );
        assert!(c.host.has_verb("showcase") && !c.host.has_verb("transcribe_all"));
        assert!(c.host.has_plugin("report_merger"));
        assert_eq!(
            c.host.returns["sysmon.status"],
            serde_json::json!({"state": "ok", "disk": 71})
        );
        assert_eq!(c.host.costs["notify"].risk, 0.5);
        assert_eq!(c.deny_warnings, Some(true));
        assert_eq!(c.root, PathBuf::from("/nonexistent/project"));

        let l002 = find_rule("L002").unwrap();
        let v001 = find_rule("V001").unwrap();
        let w002 = find_rule("W002").unwrap();
        let top = c.ignored_rules(Some(Path::new("/nonexistent/project/main.aether")));
        assert!(top.contains(l002) && top.contains(v001) && !top.contains(w002));
        let legacy = c.ignored_rules(Some(Path::new("/nonexistent/project/legacy/a/b.aether")));
        assert!(legacy.contains(v001));
        // `*` does not cross directories, but a glob without `/` also matches the file name.
        let draft = c.ignored_rules(Some(Path::new("/nonexistent/project/x/y_draft.aether")));
        assert!(draft.contains(w002));
        let outside = c.ignored_rules(Some(Path::new("/elsewhere/legacy/b.aether")));
        assert!(outside.contains(l002) && !outside.contains(w002));
    }

    #[test]
    fn empty_file_is_the_defaults() {
        let c = parse("").unwrap();
        assert_eq!(c.host, Host::default());
        assert_eq!(c.deny_warnings, None);
        assert!(c.ignored_rules(None).is_empty());
        assert_eq!(c.trust, TrustSettings::default());
    }

    #[test]
    fn trust_paths_are_relative_to_the_file_and_must_exist() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::create_dir_all(root.join("keys/trusted")).unwrap();
        std::fs::write(root.join("keys/revoked.txt"), "").unwrap();
        let file = root.join("aether.toml");
        let c = Config::parse(
            "[trust]\ntrusted-keys = \"keys/trusted\"\nrevoked = \"keys/revoked.txt\"\nstrict = true\n",
            &file,
        )
        .unwrap();
        assert_eq!(c.trust.trusted_keys, Some(c.root.join("keys/trusted")));
        assert_eq!(c.trust.revoked, Some(c.root.join("keys/revoked.txt")));
        assert_eq!(c.trust.strict, Some(true));

        let err = |text: &str| Config::parse(text, &file).unwrap_err().to_string();
        let e = err("[trust]\ntrusted-keys = \"keys/revoked.txt\"\n");
        assert!(
            e.contains(":2:16: `[trust] trusted-keys` `keys/revoked.txt` is not a directory"),
            "{e}"
        );
        let e = err("[trust]\nrevoked = \"keys/trusted\"\n");
        assert!(
            e.contains(":2:11: `[trust] revoked` `keys/trusted` is not a file"),
            "{e}"
        );
        let e = err("[trust]\nrevoked = \"\"\n");
        assert!(e.contains("is not a file"), "{e}");
        let e = err("[trust]\nstrict = \"yes\"\n");
        assert!(e.contains(":2:10: invalid type: string"), "{e}");
        let e = err("[trust]\ntrusted_keys = \"keys/trusted\"\n");
        assert!(e.contains(":2:1: unknown field `trusted_keys`"), "{e}");
    }

    #[test]
    fn unknown_keys_and_wrong_types_name_the_place() {
        let e = err("[check]\ndeny-warnings = false\nplugin_path = [\"x\"]\n");
        assert!(
            e.starts_with("/nonexistent/project/aether.toml:3:1: unknown field `plugin_path`"),
            "{e}"
        );
        let e = err("[lint]\nignore = \"L002\"\n");
        assert!(
            e.starts_with("/nonexistent/project/aether.toml:2:10: invalid type"),
            "{e}"
        );
        let e = err("[hosts]\n");
        assert!(e.contains(":1:2: unknown field `hosts`"), "{e}");
        let e = err("[check]\ndeny-warnings = yes\n");
        assert!(e.contains(":2:17: "), "{e}");
    }

    #[test]
    fn bad_values_are_errors_at_the_value() {
        let e = err("[host]\nfunctions = [\n  \"ok\",\n  \"notify(channel\",\n]\n");
        assert!(
            e.contains(":4:3: bad `[host] functions` entry: `notify(channel`"),
            "{e}"
        );
        let e = err("[host]\nfunctions = [\"a\", \"a(x)\"]\n");
        assert!(
            e.contains(":2:19: host function `a` is declared twice"),
            "{e}"
        );
        let e = err("[host]\nverbs = [\"two words\"]\n");
        assert!(e.contains(":2:10: `[host] verbs` entry `two words`"), "{e}");
        let e = err("[lint]\nignore = [\"V001\", \"V999\"]\n");
        assert!(e.contains(":2:19: unknown rule `V999` in `ignore`"), "{e}");
        let e = err("[lint]\nignore = [\"syntax-error\"]\n");
        assert!(
            e.contains(":2:11: rule `P001` (syntax-error) cannot be ignored: parse errors"),
            "{e}"
        );
        for id in ["I001", "X001", "R001"] {
            let e = err(&format!("[lint]\nignore = [\"{id}\"]\n"));
            assert!(e.contains("cannot be ignored"), "{e}");
        }
        let e = err("[lint.per-file-ignores]\n\"a/[b\" = [\"V001\"]\n");
        assert!(e.contains(":2:1: bad glob `a/[b`"), "{e}");
        let e = err("[lint.per-file-ignores]\n\"a/**\" = [\"P002\"]\n");
        assert!(e.contains(":2:11: rule `P002`"), "{e}");
        let e = err("[check]\nplugin-path = [\"no/such/dir\"]\n");
        assert!(
            e.contains(":2:16: `plugin-path` entry `no/such/dir` is not a directory"),
            "{e}"
        );
    }

    #[test]
    fn discovery_takes_the_nearest_file_and_caches_per_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::create_dir_all(root.join("a/b/c")).unwrap();
        std::fs::write(root.join("aether.toml"), "[lint]\nignore = [\"L002\"]\n").unwrap();
        std::fs::write(
            root.join("a/b/aether.toml"),
            "[check]\ndeny-warnings = true\n",
        )
        .unwrap();
        let d = Discovery::new(ConfigSource::Discover).unwrap();
        let top = d.for_file(Some(&root.join("a/x.aether"))).unwrap().unwrap();
        assert!(top.path.ends_with("aether.toml") && top.deny_warnings.is_none());
        let near = d
            .for_file(Some(&root.join("a/b/c/y.aether")))
            .unwrap()
            .unwrap();
        // Nearest wins, without merging the outer file's `ignore`.
        assert_eq!(near.deny_warnings, Some(true));
        assert!(near.ignored_rules(None).is_empty());
        let again = d
            .for_file(Some(&root.join("a/b/z.aether")))
            .unwrap()
            .unwrap();
        assert!(Arc::ptr_eq(&near, &again));

        let isolated = Discovery::new(ConfigSource::Isolated).unwrap();
        assert!(isolated
            .for_file(Some(&root.join("a/x.aether")))
            .unwrap()
            .is_none());
        let explicit = Discovery::new(ConfigSource::File(root.join("a/b/aether.toml"))).unwrap();
        let c = explicit
            .for_file(Some(&root.join("a/x.aether")))
            .unwrap()
            .unwrap();
        assert_eq!(c.deny_warnings, Some(true));
        assert!(Discovery::new(ConfigSource::File(root.join("missing.toml"))).is_err());
    }

    #[test]
    fn a_broken_file_is_an_error_for_every_file_below_it() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("aether.toml"), "[lint]\nignore = [\"nope\"]\n").unwrap();
        let d = Discovery::new(ConfigSource::Discover).unwrap();
        let e = d.for_file(Some(&root.join("sub/a.aether"))).unwrap_err();
        assert_eq!(e.position, Some((2, 11)));
        assert!(d.for_file(Some(&root.join("b.aether"))).is_err());
    }
}
