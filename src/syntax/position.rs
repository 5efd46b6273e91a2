//! What a position of the tree means: code, a declaration of capability, or data
//! (LANGUAGE.md section 6). Decided once, here, from the tree alone, so the validator and
//! the interpreter read every file the same way.
//!
//! The rules, from the outside in:
//! - The file's top level, function and lambda bodies, lifecycle blocks and event or schedule
//!   handlers are **code** blocks. Their statements run.
//! - In a code block, a statement-level `key: value` is a colon assignment: its value runs,
//!   but a bare word in it is a word (`model: small-local`): position [`Position::Words`].
//! - A plugin body or a named configuration block (`identity { }`) is a **container**: its
//!   `key: value` entries are metadata ([`Position::Data`]); its functions, lifecycle blocks
//!   and handlers are code.
//! - The suite of an entry (`steps:` + indented lines), YAML-like list items, numbered steps
//!   (`1. mount_memory()`), `plugin:` targets, `define x as ...` values, the `meta:`,
//!   `policy:`, `require:` sections and the words of an open verb phrase name what the host
//!   should do or hold values: [`Position::Declaration`] or [`Position::Data`]. A call there
//!   is a capability reference, not a call of this file's code.
//! - The `parallel:`, `transaction:` and `on_error:` sections run their entries.

use crate::syntax::ast::{DirectiveKind, LetKind, SectionKind};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Position {
    /// Runs. A call must resolve; a bare name is a variable read and must be bound.
    Code,
    /// Runs, but a bare word is a word: colon-assignment values, the slots of a known verb's
    /// command, `memory:` directives, `case` patterns. Calls must resolve.
    Words,
    /// Names a capability of the host (`- simulate: growth_curve()`, `1. restore()`,
    /// `plugin: sysmon.status "disk"`). A call that nothing declares is a capability
    /// reference, reported as a warning.
    Declaration,
    /// A value: metadata, word lists, settings. Bare words are words; calls are capability
    /// references as in declarations.
    Data,
}

impl Position {
    /// A bare name here is a variable read (not a word).
    pub fn reads_names(self) -> bool {
        self == Position::Code
    }

    /// A call here runs code of this file or a builtin, so an unknown callee is an error;
    /// elsewhere it names a capability of the host.
    pub fn runs_calls(self) -> bool {
        matches!(self, Position::Code | Position::Words)
    }

    /// The position of a call's arguments: where calls run, an argument is an expression
    /// that runs, so its names are reads (`count: len(items)`), even where a bare word as the
    /// whole value would be a word.
    pub fn call_arguments(self) -> Position {
        match self {
            Position::Words => Position::Code,
            other => other,
        }
    }

    /// The position of something nested in `self` that would on its own be `inner`: nothing
    /// inside a declaration or data becomes code again (except function bodies, which are
    /// code wherever they are written; see [`Block::Code`]).
    pub fn nest(self, inner: Position) -> Position {
        match (self, inner) {
            (Position::Declaration | Position::Data, Position::Code | Position::Words) => self,
            (Position::Words, Position::Code) => Position::Words,
            _ => inner,
        }
    }
}

/// What kind of block a statement sits in; it decides what a `key: value` entry there is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Block {
    /// The file, a function, lambda, lifecycle block or handler body.
    Code,
    /// A plugin body or a named block: entries are metadata, nested functions are code.
    Container,
    /// An entry's suite, a section, a list item, an open verb phrase's trailing block: a
    /// mapping.
    Mapping,
    /// The trailing block of a known command (`remember s as "t" { taken_by: owner(x) }`):
    /// its entries are the command's arguments.
    Arguments,
}

impl Block {
    /// The position of a statement-level `key: value` entry's value in this block.
    pub fn entry_value(self) -> Position {
        match self {
            Block::Code => Position::Words,
            Block::Container => Position::Data,
            Block::Mapping => Position::Declaration,
            Block::Arguments => Position::Words,
        }
    }
}

/// The value of a statement-level `key: value` entry in `block`. A `trigger:` entry names
/// what the host should start, wherever it is written (LANGUAGE.md section 6).
pub fn entry_value(block: Block, key: &str) -> Position {
    match key {
        "trigger" => Position::Declaration,
        _ => block.entry_value(),
    }
}

/// The value of a directive: `plugin:` names a capability; `memory:` / `remember:` run;
/// the others (`goal:`, `agent:`, `model:` ...) hold settings.
pub fn directive_value(kind: DirectiveKind) -> Position {
    match kind {
        DirectiveKind::Plugin => Position::Declaration,
        DirectiveKind::Memory | DirectiveKind::Remember => Position::Words,
        DirectiveKind::Goal
        | DirectiveKind::Intent
        | DirectiveKind::Agent
        | DirectiveKind::Model
        | DirectiveKind::Assistant
        | DirectiveKind::LocalAi
        | DirectiveKind::Identity
        | DirectiveKind::Consciousness
        | DirectiveKind::Meta => Position::Data,
    }
}

/// The body of a v1.1 section: `parallel:`, `transaction:` and `on_error:` run; `meta:`,
/// `policy:` and `require:` are data.
pub fn section_body(kind: SectionKind) -> (Block, Position) {
    match kind {
        SectionKind::Parallel | SectionKind::Transaction | SectionKind::OnError => {
            (Block::Code, Position::Code)
        }
        SectionKind::Meta | SectionKind::Policy | SectionKind::Require => {
            (Block::Mapping, Position::Data)
        }
    }
}

/// The value of a `let`-like binding: `define feed as new_feed("x")` in English lines
/// declares a capability; every other spelling (`let`, `var`, `const`, `define x = ...`)
/// runs.
pub fn let_value(kind: LetKind) -> Position {
    match kind {
        LetKind::DefineAs => Position::Declaration,
        _ => Position::Code,
    }
}

/// What a command's verb is, for the meaning of the words after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    /// A builtin or function used as a verb: a call without parentheses (`narrate "a" + x`).
    Call,
    /// A verb of the vocabulary or of `[host] verbs`.
    Known,
    /// An open verb phrase with a new verb (`adapt_strategy to "new load"`).
    Open,
}

/// The words after a command's verb: the arguments of a call without parentheses are code
/// (except that a bare name standing alone is a word, `narrate done`, as the interpreter
/// reads it); the slots of a known verb's frame are code with bare words as words; the words
/// of an open verb phrase only name what should happen.
pub fn command_parts(verb: Verb) -> Position {
    match verb {
        Verb::Call => Position::Code,
        Verb::Known => Position::Words,
        Verb::Open => Position::Declaration,
    }
}

/// `emit build_failed(job)`, `trigger deploy(v2)`: the first word after these verbs names an
/// event (declared by a `when` head in any file, or handled by the host), not a function.
pub fn names_event(verb: &str) -> bool {
    matches!(verb, "emit" | "trigger")
}

/// A numbered step (`1. mount_memory()`) or a YAML-like list item names a step for the
/// host to take.
pub const STEP: Position = Position::Declaration;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_stay_declarations_inside() {
        assert_eq!(
            Position::Declaration.nest(Position::Code),
            Position::Declaration
        );
        assert_eq!(Position::Data.nest(Position::Words), Position::Data);
        assert_eq!(Position::Words.nest(Position::Code), Position::Words);
        assert_eq!(Position::Code.nest(Position::Data), Position::Data);
        assert_eq!(
            Position::Words.nest(Position::Declaration),
            Position::Declaration
        );
    }

    #[test]
    fn entries_mean_what_their_block_is() {
        assert_eq!(Block::Code.entry_value(), Position::Words);
        assert_eq!(Block::Container.entry_value(), Position::Data);
        assert_eq!(Block::Mapping.entry_value(), Position::Declaration);
        assert_eq!(Block::Arguments.entry_value(), Position::Words);
    }
}
