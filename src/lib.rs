pub mod diagnostic;
pub mod layout;
pub mod lexer;
pub mod span;
pub mod token;
