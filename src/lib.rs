//! aether: the toolchain for the `.aether` scripting language.
//!
//! The pipeline, one module per stage:
//!
//! ```text
//! source ─► lexer (logos + contextual scans) ─► layout (Newline/Indent/Dedent, brackets)
//!        ─► parser (chumsky) ─► ast (typed, spanned) ─► diagnostics ─► render / CLI
//! ```
//!
//! ```
//! let parsed = aether::syntax::parse("goal: \"Summarize logs\" priority: high\nreflect()\n");
//! assert!(!parsed.has_errors());
//! assert_eq!(parsed.file.stmts.len(), 2);
//! ```

pub mod artifact;
pub mod ast;
pub mod baseline;
pub mod builtins;
pub mod bulk;
pub mod check;
pub mod classify;
pub mod diagnostic;
pub mod discover;
pub mod formats;
pub mod gate;
pub mod interp;
pub mod layout;
pub mod lexer;
pub mod memory;
pub mod parser;
pub mod render;
pub mod source;
pub mod span;
pub mod stats;
pub mod syntax;
pub mod timestamp;
pub mod token;
pub mod validate;
pub mod visit;
pub mod vocabulary;
