//! aether: the toolchain for the `.aether` scripting language.
//!
//! The crate is one folder per stage; dependencies point one way, down this list, and
//! `tests/layers.rs` fails when a module imports from a stage above its own:
//!
//! ```text
//! syntax    text ─► lexer (logos) ─► layout (Newline/Indent/Dedent, brackets)
//!                ─► parser (chumsky) ─► typed, spanned AST; spans; the Diagnostic type
//! registry  builtin signatures and command verbs (shared by lint and run)
//! project   where modules live on disk
//! lint      AST ─► validator diagnostics; checking one file; rendering (ariadne, JSON)
//! fix       diagnostics' edits ─► applied to a fixed point, re-checked (migrate, --fix)
//! run       checked AST ─► interpreter with the SQLite memory store
//! trust     signatures (HMAC, Ed25519), keys, revocation; static risk of the AST
//! bulk      many files: parallel check, formats, baseline, gate, classify, verify,
//!           release gates, artifacts
//! lsp       the language server: open documents ─► the check's diagnostics, fixes as code
//!           actions, hover, outline, definitions, completion
//! ```
//!
//! The `aether` binary (`src/main.rs`, with one file per command in `src/cli/`) sits on top.
//!
//! ```
//! let parsed = aether::syntax::parse("goal: \"Summarize logs\" priority: high\nreflect()\n");
//! assert!(!parsed.has_errors());
//! assert_eq!(parsed.file.stmts.len(), 2);
//! ```

pub mod bulk;
pub mod fix;
pub mod lint;
pub mod lsp;
pub mod project;
pub mod registry;
pub mod run;
pub mod syntax;
pub mod trust;
