//! The token set. The logos-derived variants are produced by the raw lexer; the others are
//! made by `lexer.rs` (strings split into interpolation parts, regex literals, block scalars)
//! and by the layout pass (`Indent`, `Dedent`, significant `Newline`s).
//!
//! Words are never keywords at this level: `Ident` carries its text and the parser decides by
//! position whether `goal`, `match` or `fn` is a keyword or a name (LANGUAGE.md section 1).

use logos::Logos;
use std::fmt;

#[derive(Logos, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[logos(skip r"[ \t\f\x0B]+")]
#[logos(skip r"\u{FEFF}")]
pub enum Token<'s> {
    #[regex(r"\r\n|\n|\r")]
    Newline,
    #[regex(r"#[^\r\n]*", allow_greedy = true)]
    #[regex(r"//[^\r\n]*", allow_greedy = true)]
    #[regex(r"/\*([^*]|\*+[^*/])*\*+/")]
    Comment,

    #[regex(r"[A-Za-z_][A-Za-z0-9_]*", |lex| lex.slice())]
    Ident(&'s str),
    #[regex(r"\$[A-Za-z_][A-Za-z0-9_]*", |lex| lex.slice())]
    DollarIdent(&'s str),

    /// `42`, `1_000_000` (underscores group digits; `7_days_ago` stays a `NumWord`).
    #[regex(r"[0-9]+(_[0-9]+)*", |lex| lex.slice(), priority = 4)]
    Int(&'s str),
    /// `0.5`, `2.5e-3`, `1e5`.
    #[regex(r"[0-9]+\.[0-9]+([eE][+-]?[0-9]+)?", |lex| lex.slice())]
    #[regex(r"[0-9]+[eE][+-]?[0-9]+", |lex| lex.slice(), priority = 4)]
    Float(&'s str),
    #[regex(r"0[xX][0-9a-fA-F]+", |lex| lex.slice(), priority = 10)]
    Hex(&'s str),
    #[regex(r"[0-9]+(\.[0-9]+)?%", |lex| lex.slice())]
    Percent(&'s str),
    #[regex(r"[0-9]+(\.[0-9]+)?(ms|s|m|h|d|w)", |lex| lex.slice(), priority = 10)]
    Duration(&'s str),
    /// Digit-led words used as names or units: `7_days_ago`, `15_seconds`, the `4o` of `gpt-4o`.
    #[regex(r"[0-9]+[A-Za-z_][A-Za-z0-9_]*", |lex| lex.slice(), priority = 3)]
    NumWord(&'s str),

    /// A complete string literal with no interpolation, quotes (and `f` prefix) included.
    #[regex(r#"f?"([^"\\\r\n]|\\[^\r\n])*""#, |lex| lex.slice())]
    #[regex(r#"f?'([^'\\\r\n]|\\[^\r\n])*'"#, |lex| lex.slice())]
    Str(&'s str),
    /// Opening of a triple-quoted string; `lexer.rs` scans to its end.
    #[regex(r#"f?""""#, |lex| lex.slice())]
    #[regex(r#"f?'''"#, |lex| lex.slice())]
    TripleQuote(&'s str),
    /// A string with no closing quote on its line.
    #[regex(r#"f?"([^"\\\r\n]|\\[^\r\n])*\\?"#, |lex| lex.slice(), priority = 1)]
    #[regex(r#"f?'([^'\\\r\n]|\\[^\r\n])*\\?"#, |lex| lex.slice(), priority = 1)]
    Unterminated(&'s str),

    // Interpolated strings, split by `lexer.rs`:
    // StrStart (StrText | InterpStart tokens.. [InterpSpec] InterpEnd)* StrEnd
    StrStart(&'s str),
    StrText(&'s str),
    InterpStart,
    InterpSpec(&'s str),
    InterpEnd,
    StrEnd,
    /// `/pattern/flags`, only where an operand is expected.
    Regex(&'s str),
    /// `key: |` followed by indented text lines; the span covers the `|` and the text.
    BlockScalar(&'s str),

    // Layout tokens.
    /// A `{` that opens a map literal (the layout pass decides; LANGUAGE.md section 2).
    LMap,
    Indent,
    Dedent,

    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token(",")]
    Comma,
    #[token(";")]
    Semi,
    #[token(":")]
    Colon,
    #[token("::")]
    ColonColon,
    #[token(".")]
    Dot,
    #[token("..")]
    DotDot,
    #[token("...")]
    Ellipsis,
    #[token("?")]
    Question,
    #[token("?.")]
    QuestionDot,
    #[token("??")]
    QuestionQuestion,
    #[token("=")]
    Eq,
    #[token("==")]
    EqEq,
    #[token("!=")]
    NotEq,
    /// `===` and `!==`: JavaScript, reported as foreign syntax.
    #[token("===", |lex| lex.slice())]
    #[token("!==", |lex| lex.slice())]
    JsEq(&'s str),
    #[token("<")]
    Lt,
    #[token(">")]
    Gt,
    #[token("<=")]
    LtEq,
    #[token(">=")]
    GtEq,
    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("**")]
    StarStar,
    #[token("/")]
    Slash,
    #[token("%")]
    Percent_,
    #[token("+=")]
    PlusEq,
    #[token("-=")]
    MinusEq,
    #[token("*=")]
    StarEq,
    #[token("/=")]
    SlashEq,
    #[token("%=")]
    PercentEq,
    #[token("++")]
    PlusPlus,
    #[token("--")]
    MinusMinus,
    #[token("!")]
    Bang,
    #[token("&&")]
    AndAnd,
    #[token("||")]
    OrOr,
    #[token("&")]
    Amp,
    #[token("|")]
    Pipe,
    #[token("^")]
    Caret,
    #[token("~")]
    Tilde,
    #[token("<<")]
    Shl,
    #[token(">>")]
    Shr,
    #[token("=>")]
    FatArrow,
    #[token("->")]
    Arrow,
    #[token("\u{2192}")]
    UnicodeArrow,
    #[token("@")]
    At,

    /// A control character (NUL and the like): an error everywhere outside strings.
    #[regex(r"[\x00-\x08\x0E-\x1F\x7F]")]
    Control,
    /// Any character no other token starts with.
    Error,
}

impl Token<'_> {
    /// How the token is named in messages.
    pub fn describe(&self) -> String {
        match self {
            Token::Newline => "end of line".into(),
            Token::Comment => "comment".into(),
            Token::Ident(s) => format!("'{s}'"),
            Token::DollarIdent(s) => format!("'{s}'"),
            Token::Int(s)
            | Token::Float(s)
            | Token::Hex(s)
            | Token::Percent(s)
            | Token::Duration(s)
            | Token::NumWord(s) => format!("'{s}'"),
            Token::Str(_) | Token::StrStart(_) | Token::TripleQuote(_) => "string".into(),
            Token::Unterminated(_) => "unterminated string".into(),
            Token::StrText(_) => "string text".into(),
            Token::InterpStart => "'{' of an interpolation".into(),
            Token::InterpSpec(_) => "format spec".into(),
            Token::InterpEnd => "'}' of an interpolation".into(),
            Token::StrEnd => "end of string".into(),
            Token::Regex(_) => "regex literal".into(),
            Token::BlockScalar(_) => "block scalar".into(),
            Token::Indent => "indented block".into(),
            Token::Dedent => "end of indented block".into(),
            Token::JsEq(s) => format!("'{s}'"),
            Token::Error => "invalid character".into(),
            Token::Control => "control character".into(),
            other => format!("'{}'", other.punct()),
        }
    }

    /// Source spelling of punctuation tokens (empty for the others).
    pub fn punct(&self) -> &'static str {
        match self {
            Token::LParen => "(",
            Token::RParen => ")",
            Token::LBracket => "[",
            Token::RBracket => "]",
            Token::LBrace | Token::LMap => "{",
            Token::RBrace => "}",
            Token::Comma => ",",
            Token::Semi => ";",
            Token::Colon => ":",
            Token::ColonColon => "::",
            Token::Dot => ".",
            Token::DotDot => "..",
            Token::Ellipsis => "...",
            Token::Question => "?",
            Token::QuestionDot => "?.",
            Token::QuestionQuestion => "??",
            Token::Eq => "=",
            Token::EqEq => "==",
            Token::NotEq => "!=",
            Token::Lt => "<",
            Token::Gt => ">",
            Token::LtEq => "<=",
            Token::GtEq => ">=",
            Token::Plus => "+",
            Token::Minus => "-",
            Token::Star => "*",
            Token::StarStar => "**",
            Token::Slash => "/",
            Token::Percent_ => "%",
            Token::PlusEq => "+=",
            Token::MinusEq => "-=",
            Token::StarEq => "*=",
            Token::SlashEq => "/=",
            Token::PercentEq => "%=",
            Token::PlusPlus => "++",
            Token::MinusMinus => "--",
            Token::Bang => "!",
            Token::AndAnd => "&&",
            Token::OrOr => "||",
            Token::Amp => "&",
            Token::Pipe => "|",
            Token::Caret => "^",
            Token::Tilde => "~",
            Token::Shl => "<<",
            Token::Shr => ">>",
            Token::FatArrow => "=>",
            Token::Arrow => "->",
            Token::UnicodeArrow => "\u{2192}",
            Token::At => "@",
            _ => "",
        }
    }

    /// The kind name used by `aether tokens`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Token::Newline => "Newline",
            Token::Comment => "Comment",
            Token::Ident(_) => "Ident",
            Token::DollarIdent(_) => "DollarIdent",
            Token::Int(_) => "Int",
            Token::Float(_) => "Float",
            Token::Hex(_) => "Hex",
            Token::Percent(_) => "Percent",
            Token::Duration(_) => "Duration",
            Token::NumWord(_) => "NumWord",
            Token::Str(_) => "Str",
            Token::TripleQuote(_) => "TripleQuote",
            Token::Unterminated(_) => "Unterminated",
            Token::StrStart(_) => "StrStart",
            Token::StrText(_) => "StrText",
            Token::InterpStart => "InterpStart",
            Token::InterpSpec(_) => "InterpSpec",
            Token::InterpEnd => "InterpEnd",
            Token::StrEnd => "StrEnd",
            Token::Regex(_) => "Regex",
            Token::BlockScalar(_) => "BlockScalar",
            Token::Indent => "Indent",
            Token::Dedent => "Dedent",
            Token::JsEq(_) => "JsEq",
            Token::Error => "Error",
            Token::Control => "Control",
            _ => "Punct",
        }
    }

    /// True for tokens after which an operand is complete, so `/` is division and `{` opens
    /// a block rather than a map.
    pub fn ends_operand(&self) -> bool {
        match self {
            // After a condition keyword an operand follows: `if /re/.test(s)`.
            Token::Ident(w) => {
                !is_operator_word(w) && !matches!(*w, "if" | "elif" | "while" | "when")
            }
            Token::DollarIdent(_)
            | Token::Int(_)
            | Token::Float(_)
            | Token::Hex(_)
            | Token::Percent(_)
            | Token::Duration(_)
            | Token::NumWord(_)
            | Token::Str(_)
            | Token::StrEnd
            | Token::Regex(_)
            | Token::RParen
            | Token::RBracket
            | Token::RBrace
            | Token::PlusPlus
            | Token::MinusMinus => true,
            _ => false,
        }
    }
}

/// Words after which an operand is expected (`return {`, `x and /re/`).
pub fn is_operator_word(w: &str) -> bool {
    matches!(
        w,
        "return" | "or" | "and" | "not" | "in" | "yield" | "throw" | "raise" | "case"
    )
}

impl fmt::Display for Token<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}
