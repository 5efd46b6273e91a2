//! One diagnostic type for every stage, the table of stable rule ids, and the structured
//! status codes of REFERENCE.md. Rendering lives in `render.rs`.

use crate::syntax::edit::Fix;
use crate::syntax::span::Span;
use serde::Serialize;

/// The structured result codes shared with the original Python tools (REFERENCE.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Code {
    Success,
    GenericFailure,
    ParseError,
    RuntimeError,
    SignatureError,
    TimeoutError,
    UnsupportedFeature,
    ValidationError,
    IoError,
    InternalError,
}

impl Code {
    pub const ALL: [Code; 10] = [
        Code::Success,
        Code::GenericFailure,
        Code::ParseError,
        Code::RuntimeError,
        Code::SignatureError,
        Code::TimeoutError,
        Code::UnsupportedFeature,
        Code::ValidationError,
        Code::IoError,
        Code::InternalError,
    ];

    pub fn number(self) -> i32 {
        match self {
            Code::Success => 0,
            Code::GenericFailure => 1,
            Code::ParseError => 20,
            Code::RuntimeError => 21,
            Code::SignatureError => 22,
            Code::TimeoutError => 23,
            Code::UnsupportedFeature => 24,
            Code::ValidationError => 25,
            Code::IoError => 26,
            Code::InternalError => 27,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Code::Success => "SUCCESS",
            Code::GenericFailure => "GENERIC_FAILURE",
            Code::ParseError => "PARSE_ERROR",
            Code::RuntimeError => "RUNTIME_ERROR",
            Code::SignatureError => "SIGNATURE_ERROR",
            Code::TimeoutError => "TIMEOUT_ERROR",
            Code::UnsupportedFeature => "UNSUPPORTED_FEATURE",
            Code::ValidationError => "VALIDATION_ERROR",
            Code::IoError => "IO_ERROR",
            Code::InternalError => "INTERNAL_ERROR",
        }
    }

    /// Precedence when several codes apply to one file: IO > PARSE > SIGNATURE > VALIDATION.
    pub fn precedence(self) -> u8 {
        match self {
            Code::InternalError => 6,
            Code::IoError => 5,
            Code::ParseError => 4,
            Code::SignatureError => 3,
            Code::ValidationError => 2,
            Code::Success => 0,
            _ => 1,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// A documented rule: stable id, kebab-case name, the structured code it maps to and its
/// explanation (`aether explain ID|NAME`). Ids never change meaning once published.
#[derive(Debug)]
pub struct Rule {
    pub id: &'static str,
    pub name: &'static str,
    pub code: Code,
    pub severity: Severity,
    pub summary: &'static str,
    pub doc: &'static str,
    /// What the rule's fix does and whether it is safe, for `aether explain`; `None` when the
    /// rule has no fix.
    pub fix: Option<&'static str>,
}

macro_rules! rules {
    ($($konst:ident = $id:literal $name:literal $code:ident $sev:ident $summary:literal $doc:literal $(fix $fix:literal)?;)*) => {
        pub mod rules {
            use super::*;
            $(pub static $konst: Rule = Rule {
                id: $id, name: $name, code: Code::$code, severity: Severity::$sev,
                summary: $summary, doc: $doc, fix: rules!(@fix $($fix)?),
            };)*
            pub static ALL: &[&Rule] = &[$(&$konst),*];
        }
    };
    (@fix $fix:literal) => { Some($fix) };
    (@fix) => { None };
}

rules! {
    SYNTAX = "P001" "syntax-error" ParseError Error
        "The file does not follow the grammar."
        "A token appeared where the grammar does not allow it. The message names what was \
found and, where it is short, what was expected there. The parser recovers at the next \
statement, so every such error in a file is reported.";
    UNCLOSED_DELIMITER = "P002" "unclosed-delimiter" ParseError Error
        "A bracket or block was opened and never closed."
        "A `(`, `[` or `{` has no matching closer before the end of the file or before the \
closer of an enclosing bracket. The error is reported where the closer was expected, with a \
second label at the opener.";
    UNEXPECTED_CLOSER = "P003" "unexpected-closing-delimiter" ParseError Error
        "A closing bracket has no matching opener."
        "A `)`, `]` or `}` appears where no bracket of its kind is open. A common cause is \
mixing block styles: a `try:` suite (colon and indentation) cannot be continued by \
`} catch (e) {`; write the whole statement in one style.";
    UNTERMINATED_STRING = "P004" "unterminated-string" ParseError Error
        "A string literal is not closed."
        "A `\"`, `'` or `\"\"\"` string has no closing quote. Plain strings end on their line; \
only triple-quoted strings span lines.";
    INVALID_CHARACTER = "P005" "invalid-character" ParseError Error
        "A character that no token starts with."
        "Outside strings and comments, only ASCII identifiers, numbers, operators and `\u{2192}` \
are tokens. Free text after `goal:` or `name:` may hold any character; elsewhere put such \
text in a string.";
    FOREIGN_SYNTAX = "P006" "foreign-syntax" ParseError Error
        "The file contains shell, Python or JavaScript syntax."
        "Files named `.aether` are sometimes bash scripts, Python modules or JavaScript. \
Constructs such as `def f():`, `class C:`, `[[ ... ]]`, `; then`, `fi`, `done`, `export { }`, \
`const x =` and `===` are not Aether, and the first of them is reported.";
    STRAY_END = "P007" "stray-end" ParseError Error
        "An `end` line closes nothing."
        "`end` closes an indented block (`define`, `if`, `when`, `for`, `while`, `simulate` ...) \
and must stand at the column of that block's header, right after the block.";
    TOO_COMPLEX = "P009" "nesting-too-deep" ParseError Error
        "Brackets, blocks or operators nested beyond the parser's limits."
        "A file may nest brackets and indented blocks at most 20,000 levels deep and hold at most \
20,000 operators in one logical line. Such files are generated, not written; the error stops \
the check before the tree grows too deep to process safely.";
    INVALID_INTERPOLATION = "W001" "invalid-interpolation" ParseError Warning
        "A `{...}` inside a string is not an expression; it is kept as text."
        "Double-quoted strings interpolate `{expr}`. When the text between the braces does not \
parse as an expression it is kept verbatim and this warning is shown. Use `{{name}}` for a \
template placeholder or a single-quoted string for literal braces.";
    UNKNOWN_FUNCTION = "V001" "unknown-function" ValidationError Error
        "A call to a function that is not a builtin and is not defined or imported."
        "A call `name(...)` must name a builtin (`aether explain builtins` lists them), a \
function declared in the file (`fn`, `function`, `define`, `export`, in any order: \
declarations are hoisted within their scope), a function of the enclosing plugin, or a \
variable, parameter or import that holds a function, a host function declared under \
`[host] functions` in aether.toml, a command verb written as a call (`retry(\"api\")`), a \
lifecycle block of the plugin (`on_run()`) or an event declared by a `when name(args):` head. \
Method calls on values (`items.push(x)`) are not checked. The message is `unknown function \
'name'`; a close name is suggested. In declarative positions (YAML-like steps, numbered \
steps, `plugin:` targets, metadata, open verb phrases) an unknown call is W006 instead, \
unless it is a near miss of a known function.";
    UNKNOWN_COMMAND = "V002" "unknown-command" ValidationError Error
        "A command verb is a near miss of a known verb."
        "Command lines (`learn from \"x\"`, `suggest fix for y`, a bare `status`) start with a \
verb. Verb phrases are open: a new verb (`adapt_strategy to \"new load\"`) is fine, and the \
words after it only name what should happen. A verb that is one or two edits away from a \
verb of the vocabulary (`aether explain verbs`) or of `[host] verbs` in aether.toml \
(`sumarize logs`, `statsu`) is almost always a typo and is this error, with the verb it most \
likely meant. Declare the spelling under `[host] verbs` if it is really a verb of yours.";
    UNKNOWN_MODULE_FUNCTION = "V003" "unknown-module-function" ValidationError Error
        "A call through an import names a function the module does not define."
        "`util.f()` after `import \"sys/util\" as util`, or `call sys/util.f()`, is checked \
against the module when its file is found on the plugin path (`--plugin-path DIR`, then the \
checked file's directory and its parents up to the repository root). When the module is not \
found, the call is not checked and warning W005 is shown at the import instead.";
    WRONG_ARGUMENT_COUNT = "V004" "wrong-argument-count" ValidationError Error
        "A call passes more or fewer arguments than the function takes."
        "Builtins and functions declared in the file have a known number of parameters; \
parameters with a default value and a trailing rest parameter (`...args`) are optional. \
A call with a spread argument (`f(...xs)`) is not counted.";
    UNKNOWN_KEYWORD_ARGUMENT = "V005" "unknown-keyword-argument" ValidationError Error
        "A keyword argument names no parameter of the function."
        "`load_logs(tags=\"app\")` when the parameter is `tag`. Keyword arguments (`k=v` or \
`k: v`) must name a parameter of the builtin or declared function; a close name is suggested.";
    LOOP_CONTROL_OUTSIDE_LOOP = "V006" "loop-control-outside-loop" ValidationError Error
        "`break` or `continue` outside a loop."
        "`break` and `continue` apply to the innermost `for` or `while` of the same function; \
a function, lambda or event handler body starts outside any loop.";
    DUPLICATE_PARAMETER = "V007" "duplicate-parameter" ValidationError Error
        "Two parameters of one function have the same name."
        "The second parameter would hide the first; rename one of them.";
    DUPLICATE_ARGUMENT = "V008" "duplicate-argument" ValidationError Error
        "A call passes the same parameter twice."
        "`load_logs(\"app\", source=\"db\")` gives `source` both by position and by keyword, \
and `f(a=1, a=2)` by keyword twice. Pass each parameter once.";
    UNDEFINED_NAME = "V009" "undefined-name" ValidationError Error
        "Code reads a name that is bound nowhere."
        "In code (function and handler bodies, conditions, assignments, arguments), a bare \
name must be a parameter, a variable assigned somewhere in the file, a function, an import, \
a builtin, a loop or catch variable, or a host name declared in `aether.toml` (`[host] \
functions`, `names`). `print(undefined_var)` is this error, as in pyflakes' F821. Words in \
data positions (entry values, list items, command words, verb phrases) are words, not reads, \
and are never reported; neither are the runtime's ambient names (`event`, `context`, \
`input`, `memory`, `self`, `this`, ...).";
    UNREACHABLE_CODE = "W002" "unreachable-code" ValidationError Warning
        "Statements after `return`, `break`, `continue` or `throw` never run."
        "A statement that leaves its block makes the rest of that block dead code. Remove \
it, or move it before the `return`.";
    DUPLICATE_KEY = "W003" "duplicate-key" ValidationError Warning
        "A map literal holds the same key twice."
        "In `{ a: 1, a: 2 }` the later value replaces the earlier one, which is almost always \
a mistake. Only map literals are checked: YAML-like suites may repeat keys on purpose \
(`on_event:` twice under `monitor changes:`).";
    READ_BEFORE_ASSIGNMENT = "W004" "read-before-assignment" ValidationError Warning
        "A variable is read before its first assignment in the same function."
        "The variable is assigned later in the same function, file or block scope but read \
here first, so at this point it has no value. A name the file never assigns is V009 \
undefined-name instead (unless the runtime or `[host] names` provides it).";
    UNRESOLVED_MODULE = "W005" "unresolved-module" ValidationError Warning
        "An imported module cannot be found, so calls through it are not checked."
        "`import`, `use` and `call path.fn()` name a module `path.aether` that is looked up in \
each `--plugin-path DIR`, then in the checked file's directory and its parents up to the \
project root (the nearest directory holding `aether.toml`, else `.git`, else the file's own \
directory), never above it. Modules provided by the runtime \
(`sys/...`) are usually not files; the warning says that their calls were not checked.";
    UNRESOLVED_CAPABILITY = "W006" "unresolved-capability" ValidationError Warning
        "A declarative position names a capability nothing declares."
        "Some calls do not run code of this file: they name a capability of the host runtime. \
These are the values of YAML-like steps (`- simulate: growth_curve()`), numbered steps of \
configuration blocks (`1. load_persistent_memory()`), `plugin:` and `trigger:` targets, \
`define x as new_stream(\"sys\")`, metadata entries, and calls inside open verb phrases \
(`contribute insight(\"...\")`). An unknown name there is this warning, not an error; \
declare it under `[host] functions` in `aether.toml` (or run `aether init`) to silence it. \
The same name called in code is V001.";
    UNUSED_SUPPRESSION = "W007" "unused-suppression" ValidationError Warning
        "An `# aether: ignore[...]` comment suppresses nothing."
        "An inline suppression (`# aether: ignore[V001]` at the end of a line or alone on the \
line above, `# aether: ignore-file[V001]` near the top) names a rule that is not reported \
there. Remove it, so that it does not hide a future finding."
        fix "Safe, when none of the comment's rules suppressed anything and the comment holds \
only the directive: the comment is removed (its whole line when it stands alone).";
    LEGACY_INTENT = "L001" "legacy-intent" ValidationError Warning
        "`intent:` is the legacy spelling of `goal:`."
        "`intent: \"x\"` means `goal: \"x\"`: the runtime reads both as the goal directive. \
Only the directive is meant; an `intent` key inside a map literal or a word in text is not."
        fix "Safe: the key `intent` becomes `goal`; the value, options and comments are untouched.";
    UNQUOTED_GOAL = "L002" "unquoted-goal" ValidationError Warning
        "Goal text is not quoted."
        "The stable language writes the goal as a string: `goal: \"cut p99 latency\" \
priority: high`. Unquoted free text still works but is ambiguous with trailing options. \
Only `goal:` directives are meant, not `goal` keys in map literals; a block scalar \
(`goal: |`) is already text."
        fix "Safe, for free text and a single bare word (the runtime reads both as their text): \
the text is quoted, with `\\` and `\"` escaped and a single `{` or `}` escaped so that it \
cannot start an interpolation (`{{placeholders}}` stay). Indentation, trailing options \
(`priority:`, `deadline:`, `metrics:`) and a trailing comment stay outside the quotes. A value \
that is an expression (`goal: plan(x)`) has no fix.";
    LEGACY_REMEMBER_DIRECTIVE = "L003" "legacy-remember-directive" ValidationError Warning
        "`remember:` as a directive is the legacy spelling of `memory:`."
        "`remember: load_feature_index()` means `memory: load_feature_index()`. The command \
`remember x as \"tags\"` is not affected."
        fix "Safe: the key `remember` becomes `memory`.";
    RENAMED_BUILTIN = "L004" "renamed-builtin" ValidationError Warning
        "A builtin is called by its old name."
        "`analyze_plugins()` is now `available_plugins()`. The old name still resolves, with \
this warning. The renamed builtins are listed by `aether explain builtins`."
        fix "Safe: the old name becomes the new one where it is called (`analyze_plugins()` \
or a command word). A file's own function of the old name is its own and is not reported.";
    PYTHON_LITERAL = "L005" "python-literal" ValidationError Warning
        "`True`, `False` and `None` are Python spellings."
        "Aether's literals are `true`, `false` and `null`. A capitalised name is just an \
unassigned variable here: in code, reading it fails at run time; in data (`enabled: True` in \
a metadata entry) it is the word \"True\", not a boolean. A file that assigns `True` itself is \
not reported."
        fix "Safe in code, where the old spelling cannot have worked: the literal is written in \
lower case. Unsafe in data positions, where the word becomes a boolean (applied with \
`--unsafe-fixes`). `{ True }` shorthand has no fix.";
    WHITESPACE_HYGIENE = "M001" "whitespace-hygiene" ValidationError Warning
        "Trailing whitespace, or more than two blank lines in a row."
        "Spaces and tabs at the end of a line, and runs of three or more blank lines, are noise \
in diffs. `aether migrate` applies this rule; `aether check` does not report it, because \
whitespace is never an error. Multi-line strings and block scalars are content and are left \
alone."
        fix "Safe: trailing spaces and tabs are removed and runs of blank lines shrink to two. \
Line endings (LF or CRLF), a missing final newline, a byte-order mark and tab indentation are \
kept byte for byte.";
    UNSIGNED_SCRIPT = "S001" "unsigned-script" SignatureError Error
        "Strict verification: the script has no signature."
        "With `--strict`, `AETHERRA_SCRIPT_VERIFY_STRICT=1` or `strict = true` under `[trust]` \
in aether.toml, a script must start with a `# @signature:` line before it is checked clean or \
run. Sign it with `aether sign FILE` (HMAC, secret from \
`AETHERRA_AETHER_SCRIPT_SIGNING_SECRET`) or `aether sign --key KEY FILE` (Ed25519).";
    BAD_SIGNATURE = "S002" "signature-mismatch" SignatureError Error
        "The signature does not match the script."
        "The file changed after it was signed (one byte is enough, line endings aside: CRLF \
and LF sign the same), another secret or key signed it, its Ed25519 key is not among the \
trusted keys, or the key or signature is on the revocation list. Outside strict mode too, a \
signature that does not verify fails `aether verify`.";
    MALFORMED_SIGNATURE = "S003" "malformed-signature" SignatureError Error
        "The `# @signature:` line is not a signature."
        "Line 1 starts with `# @signature:` but is neither `# @signature: <64 lowercase hex>` \
(HMAC-SHA256) nor `# @signature: ed25519:<16 hex key id>:<128 hex>`. Sign the file again.";
    RUNTIME_ERROR = "R001" "runtime-error" RuntimeError Error
        "The script failed while running."
        "An operation failed at run time: a type error (`\"a\" - 1`), a missing name or \
field, a division by zero, an uncaught `throw`, a failing memory store, or calls nested \
deeper than the interpreter allows (2,000). The diagnostic points at the failing \
expression and lists the calls that led there. `try`/`catch` catches these errors (the \
binding is a map with `message`, `kind` and `line`), except the call-depth limit.";
    TIMEOUT = "T001" "timeout" TimeoutError Error
        "The script ran past its time or step budget."
        "`--timeout SECONDS` bounds the wall time of a run (default 30 s, reading and checking \
the file included; `--timeout 0` for none) and `--max-steps N` the number of \
statements and loop iterations executed (default 200,000,000). The diagnostic names the \
line that was running. A timeout cannot be caught by `try`.";
    UNSUPPORTED = "U001" "unsupported-feature" UnsupportedFeature Error
        "The script uses a construct the interpreter cannot execute."
        "The file parses and validates, but a construct in it has no defined meaning for a \
script run: regex literals, `->` inside expressions, a block attached to an expression \
statement or to a command that takes none, a `key: value` pair inside a list, an unusual \
assignment target. The run stops there, naming the construct and its line; it is never \
skipped silently.";
    IO_ERROR = "I001" "io-error" IoError Error
        "The file cannot be read."
        "The path does not exist, is a directory, or cannot be opened.";
    INVALID_UTF8 = "I002" "invalid-utf8" IoError Error
        "The file is not valid UTF-8."
        ".aether files are UTF-8 (a byte-order mark is allowed). The message gives the byte \
offset of the first invalid sequence.";
    MEMORY_STORE_IO = "I003" "memory-store-io" IoError Error
        "The memory store's file cannot be used."
        "A run touched the persistent memory store (`--memory`, default `.aetherra/memory.db`) \
and its file cannot serve: it cannot be created, opened, read or written (permissions, a \
read-only file system, a full disk, an I/O error), it is not an SQLite database or is corrupt, \
it is another program's SQLite database (aether stamps its stores with `PRAGMA \
application_id` and leaves other databases untouched), or a newer aether wrote it. The \
diagnostic points at the statement that first needed the store; `try` does not catch it. The \
store is opened only when a script touches memory, and only for reading until it writes, so a \
script that never touches memory runs whatever the store path is.";
    INTERNAL = "X001" "internal-error" InternalError Error
        "A bug in aether."
        "The tool itself failed (a caught panic). This is never caused by bad input; please \
report it with the file that triggered it.";
}

pub fn find_rule(key: &str) -> Option<&'static Rule> {
    rules::ALL
        .iter()
        .copied()
        .find(|r| r.id.eq_ignore_ascii_case(key) || r.name.eq_ignore_ascii_case(key))
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub rule: &'static Rule,
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    /// Text for the primary label; empty means "use the message".
    pub label: String,
    pub secondary: Vec<Label>,
    pub notes: Vec<String>,
    pub help: Option<String>,
    /// The edits that resolve it, when the rule knows them (`aether check --fix`, `aether
    /// migrate`).
    pub fix: Option<Fix>,
}

impl Diagnostic {
    pub fn new(rule: &'static Rule, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            rule,
            severity: rule.severity,
            message: message.into(),
            span,
            label: String::new(),
            secondary: Vec::new(),
            notes: Vec::new(),
            help: None,
            fix: None,
        }
    }

    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Whether the diagnostic points at a place in the text. A file that cannot be opened
    /// (I001) and a crash have no line; invalid UTF-8 points at its first bad byte.
    pub fn has_location(&self) -> bool {
        !std::ptr::eq(self.rule, &rules::IO_ERROR) && self.rule.code != Code::InternalError
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    pub fn code(&self) -> Code {
        self.rule.code
    }
}

/// Sort diagnostics by position (then severity, errors first) and drop exact duplicates,
/// which backtracking alternatives can produce.
pub fn normalize(diags: &mut Vec<Diagnostic>) {
    diags.sort_by(|a, b| {
        (a.span.start, std::cmp::Reverse(a.severity), a.span.end).cmp(&(
            b.span.start,
            std::cmp::Reverse(b.severity),
            b.span.end,
        ))
    });
    diags.dedup_by(|a, b| a.span == b.span && a.message == b.message);
}

/// The structured code a list of diagnostics amounts to (highest precedence wins).
pub fn overall_code(diags: &[Diagnostic]) -> Code {
    diags
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.code())
        .max_by_key(|c| c.precedence())
        .unwrap_or(Code::Success)
}

/// The diagnostic for a caught panic: a bug in aether, never the input's fault.
pub fn internal_error(payload: Box<dyn std::any::Any + Send>) -> Diagnostic {
    let msg = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    Diagnostic::new(
        &rules::INTERNAL,
        Span::empty(0),
        format!("internal error: {msg}"),
    )
}
