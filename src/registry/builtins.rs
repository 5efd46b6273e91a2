//! The builtin function registry, shared by the validator and the interpreter.
//!
//! One table: name, parameters (in positional order; every parameter may also be passed by
//! keyword), how many are required, whether extra positional arguments are accepted, and a
//! one-line doc. The set is deliberately small: every name here is a promise that the
//! interpreter implements it. It holds the 13 builtins of the reference interpreter
//! (REFERENCE.md), the v1.1 additions, the memory/plugin/global library the brace dialect
//! calls (LANGUAGE.md 3.2), and the general helpers the Python-like and brace files use.

/// A builtin function's signature and doc.
#[derive(Debug)]
pub struct Builtin {
    pub name: &'static str,
    /// Parameter names in positional order.
    pub params: &'static [&'static str],
    /// How many leading parameters must be given.
    pub required: usize,
    /// Accepts any number of further positional arguments (`print(a, b, c)`).
    pub variadic: bool,
    pub doc: &'static str,
    /// Which part of the language the name comes from (for `aether explain builtins`).
    pub origin: Origin,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The reference interpreter's table of 13.
    Reference,
    /// Added by the v1.1 language.
    V11,
    /// The memory, plugin and global-state library of the brace dialect.
    Library,
    /// General helpers (`len`, `range`, `any`, ...).
    Helper,
}

impl Builtin {
    /// Largest positional count accepted, `None` when variadic.
    pub fn max_args(&self) -> Option<usize> {
        (!self.variadic).then_some(self.params.len())
    }

    /// `name(a, b?, ...)`: the signature as shown in diagnostics and docs.
    pub fn signature(&self) -> String {
        signature(self.name, self.params, self.required, self.variadic)
    }
}

/// `name(a, b?, ...)`: required parameters, optional ones marked `?`, `...` for more.
pub fn signature(name: &str, params: &[&str], required: usize, variadic: bool) -> String {
    let mut parts: Vec<String> = params
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if i < required {
                (*p).to_string()
            } else {
                format!("{p}?")
            }
        })
        .collect();
    if variadic {
        parts.push("...".into());
    }
    format!("{name}({})", parts.join(", "))
}

macro_rules! builtins {
    ($($origin:ident $name:literal ($($param:literal),*) $required:literal $variadic:literal $doc:literal;)*) => {
        /// Sorted by name (a test checks it), so lookup is a binary search.
        pub static BUILTINS: &[Builtin] = &[$(Builtin {
            name: $name,
            params: &[$($param),*],
            required: $required,
            variadic: $variadic,
            doc: $doc,
            origin: Origin::$origin,
        }),*];
    };
}

builtins! {
    Helper "abs" ("x") 1 false "Absolute value of a number.";
    Helper "all" ("items") 1 false "True when every item is truthy.";
    Helper "any" ("items") 1 false "True when some item is truthy.";
    Reference "available_plugins" () 0 false "Names of the plugins on the plugin path.";
    Helper "average" ("items") 1 false "Arithmetic mean of a list of numbers (null for an empty list).";
    Library "call_plugin" ("name", "function") 1 true
        "Call a plugin's function (default `on_run`) with the remaining arguments.";
    Reference "check_confidence" ("value", "threshold") 0 false
        "True when a confidence value (default: the last evaluated) reaches the threshold (default 0.5).";
    Helper "clearInterval" ("id") 0 false "Cancel a timer set by `setInterval`.";
    Helper "clearTimeout" ("id") 0 false "Cancel a timer set by `setTimeout` (an unknown id is ignored).";
    Helper "count" ("items", "predicate") 1 false
        "Number of items, or of items for which the predicate returns true.";
    Library "delete_memory" ("id") 1 false "Delete the memory entry with this id; true if it existed.";
    Library "delete_memory_entry" ("id") 1 false "Same as `delete_memory`.";
    Reference "detect_anomalies" ("data") 0 false
        "Entries of the data (default: recent logs) whose level is warning or error.";
    Reference "escalate_to" ("target", "message") 1 false
        "Record an escalation to a person or team and report it.";
    Reference "evaluate_confidence" ("value") 0 false
        "A confidence score between 0 and 1 for a value (default: the current goal).";
    Helper "float" ("x") 1 false "Convert a number or numeric string to a float.";
    Library "generate_uuid" () 0 false "A random UUID string (seeded under --deterministic).";
    Library "get_global" ("key", "default") 1 false "Read a global value shared by plugins.";
    Library "get_memory" ("id") 1 false "The memory entry with this id, or null.";
    Helper "int" ("x") 1 false "Convert a number or numeric string to an integer.";
    Helper "len" ("x") 1 false "Length of a string, list or map.";
    Reference "load_feature_index" () 0 false "The feature index stored in memory (a map).";
    Reference "load_logs" ("source", "tag", "limit", "window") 0 false
        "Log entries from memory, optionally filtered by source, tag and age (`window`, a duration).";
    V11 "log" ("message") 0 true "Write a log line (the arguments joined by spaces).";
    Helper "max" ("items") 1 true "Largest of the arguments, or of one list argument.";
    V11 "metrics" ("name", "value") 0 false
        "Record a metric value, or read all recorded metrics when called without arguments.";
    Helper "min" ("items") 1 true "Smallest of the arguments, or of one list argument.";
    Reference "narrate" ("text") 1 false "Print text for the operator.";
    Library "notify" ("user", "content", "team", "channel") 0 false
        "Send a notification to a user, team or channel (recorded in memory and printed).";
    Library "now" () 0 false "The current time in seconds since the Unix epoch (fixed under --deterministic).";
    Library "plugin" ("name") 1 false "A handle to a plugin on the plugin path, by name.";
    Helper "print" () 0 true "Print the arguments, separated by spaces.";
    Helper "random" () 0 false "A random float in [0, 1) (seeded under --deterministic).";
    Helper "range" ("start", "stop", "step") 1 false
        "The integers from start (default 0) up to, not including, stop.";
    Reference "reflect" ("topic") 0 false "Summarise what memory holds about a topic (default: everything).";
    Helper "round" ("x", "digits") 1 false "Round a number to the given number of decimal digits (default 0).";
    Reference "run_plugin" ("name") 1 true "Run a plugin's `on_run` block with the remaining arguments.";
    Library "search_memory" ("query", "limit") 1 false
        "Memory entries matching a text or a map of fields, newest first.";
    Library "search_memory_one" ("query") 1 false "The newest memory entry matching the query, or null.";
    Reference "self_heal" ("component") 0 false "Record a self-healing attempt for a component and report it.";
    Helper "setInterval" ("callback", "delay") 1 true
        "Call the callback every `delay` milliseconds after the script's body, until cleared; returns the timer id.";
    Helper "setTimeout" ("callback", "delay") 1 true
        "Call the callback (with any further arguments) once, `delay` milliseconds after it was set, after the script's body; returns the timer id.";
    Library "set_global" ("key", "value") 2 false "Set a global value shared by plugins.";
    Helper "sleep" ("duration", "unit") 1 false
        "Pause for a duration (`sleep(5)`, `sleep(5, \"minutes\")`, `sleep(2m)`); virtual time under --deterministic.";
    Helper "sorted" ("items", "key", "reverse") 1 false
        "A sorted copy of a list, optionally by a key function.";
    Reference "store" ("value", "tag") 1 false "Store a value in memory, optionally tagged.";
    Library "store_memory" ("content", "tags", "category") 1 false
        "Store an entry in memory; returns its id.";
    Helper "str" ("x") 1 false "The text form of a value.";
    Helper "sum" ("items") 1 false "Sum of a list of numbers.";
    Reference "summarize" ("source") 0 false
        "A short summary of a value, a list of entries, or the memory tagged with a name.";
    V11 "trace" ("message") 0 true "Write a trace line with the current step.";
    Helper "typeof" ("x") 1 false "The type name of a value: null, bool, int, float, string, list, map, function.";
    Library "update_memory" ("id", "fields", "replace") 2 false
        "Merge a map of fields into the memory entry with this id: given fields are added or overwritten, the others kept; a content that is not a map (a text note) is kept under `content`. With `replace` true, the content becomes `fields` (any value) instead. Returns whether the entry exists.";
}

/// Builtins renamed since older releases: `(old, new)`. A call through the old name is a
/// legacy form (warning L004) that the migrator rewrites.
pub static RENAMED: &[(&str, &str)] = &[("analyze_plugins", "available_plugins")];

pub fn lookup(name: &str) -> Option<&'static Builtin> {
    BUILTINS
        .binary_search_by(|b| b.name.cmp(name))
        .ok()
        .map(|i| &BUILTINS[i])
}

pub fn renamed(name: &str) -> Option<&'static str> {
    RENAMED
        .iter()
        .find(|(old, _)| *old == name)
        .map(|(_, new)| *new)
}

/// Names the runtime binds around every script, read without any declaration: the event
/// being handled and its payload, the plugin's context and configuration, the memory store,
/// and the JavaScript globals of the brace dialect. A project's own runtime values are
/// declared under `[host] names` in `aether.toml` instead.
pub const RUNTIME_NAMES: &[&str] = &[
    "event",
    "context",
    "ctx",
    "input",
    "inputs",
    "payload",
    "args",
    "params",
    "config",
    "settings",
    "env",
    "memory",
    "state",
    "agent",
    "system",
    "metrics",
    "plugins",
    "request",
    "response",
    "console",
    "Math",
    "JSON",
    "Date",
    "Object",
    "Array",
    "String",
    "Number",
    "Promise",
    "Infinity",
    "NaN",
    "undefined",
];

pub fn is_runtime_name(name: &str) -> bool {
    RUNTIME_NAMES.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        for w in BUILTINS.windows(2) {
            assert!(w[0].name < w[1].name, "{} before {}", w[0].name, w[1].name);
        }
    }

    #[test]
    fn reference_table_is_complete() {
        let reference = [
            "reflect",
            "summarize",
            "load_logs",
            "store",
            "detect_anomalies",
            "escalate_to",
            "run_plugin",
            "evaluate_confidence",
            "self_heal",
            "narrate",
            "load_feature_index",
            "available_plugins",
            "check_confidence",
        ];
        for name in reference {
            assert_eq!(
                lookup(name).map(|b| b.origin),
                Some(Origin::Reference),
                "{name}"
            );
        }
        assert_eq!(
            BUILTINS
                .iter()
                .filter(|b| b.origin == Origin::Reference)
                .count(),
            13
        );
    }

    #[test]
    fn required_never_exceeds_params() {
        for b in BUILTINS {
            assert!(b.required <= b.params.len(), "{}", b.name);
        }
        assert_eq!(
            lookup("load_logs").unwrap().signature(),
            "load_logs(source?, tag?, limit?, window?)"
        );
        assert_eq!(lookup("print").unwrap().signature(), "print(...)");
        assert!(lookup("frobnicate").is_none());
        assert_eq!(renamed("analyze_plugins"), Some("available_plugins"));
    }
}
