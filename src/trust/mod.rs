//! Stage `trust`: script signatures (the original's HMAC-SHA256 header and our Ed25519 one),
//! keys, revocation, and the static risk analysis of a file's syntax tree.
//!
//! Takes in: a file's text (and its parsed tree, for risk). Gives out: a signature verdict
//! per file and risk findings. Walking many files, reports and the release gates are
//! `bulk`'s, the commands `cli`'s.
//! Depends on: `syntax` (the tree) only.
//!
//! ```
//! use aether::trust::sign::{hmac_hex, DEV_SECRET};
//! assert_eq!(
//!     hmac_hex(DEV_SECRET.as_bytes(), "goal: \"Summarize logs\"\nreflect()\n"),
//!     "2998078a6429a244e05c3c411f174ea2ab9e58cbe9d87d3a7e1bc54261d66873"
//! );
//! ```

pub mod keys;
pub mod risk;
pub mod sign;
