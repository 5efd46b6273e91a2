//! The typed, spanned AST shared by every dialect.
//!
//! Nodes are `Spanned<T>`; children are boxed or in vectors; `Error` variants stand where the
//! parser recovered. Names borrow from the source (`&'s str`); only cooked string text is
//! owned. Generic fallbacks (`Command`, `Value::Text`) exist for open-ended phrases and are
//! counted separately by `aether parse --stats`, so grammar coverage stays measurable.

use crate::syntax::span::Span;
use serde::Serialize;
use std::borrow::Cow;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Spanned<T> {
    #[serde(flatten)]
    pub node: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(node: T, span: Span) -> Self {
        Spanned { node, span }
    }
}

/// A spanned scalar (a name, a module path): `{ "value": ..., "span": ... }`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Leaf<T> {
    #[serde(rename = "value")]
    pub node: T,
    pub span: Span,
}

impl<T> Leaf<T> {
    pub fn new(node: T, span: Span) -> Self {
        Leaf { node, span }
    }
}

pub type Name<'s> = Leaf<&'s str>;
pub type Stmt<'s> = Spanned<StmtKind<'s>>;
pub type Expr<'s> = Spanned<ExprKind<'s>>;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct File<'s> {
    pub stmts: Vec<Stmt<'s>>,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum BlockStyle {
    /// `{ ... }`
    Brace,
    /// `:` or a header line, then an indented suite (optionally closed by `end`).
    Indent,
    /// `if x: stmt` on one line.
    Inline,
    /// `key:` followed by `- item` lines at the key's own column (YAML).
    List,
}

/// A block of statements, boxed so the nodes that hold one stay small (measured in
/// `size_tests`; the parser moves nodes by value many times).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Block<'s>(pub Box<BlockData<'s>>);

impl<'s> Block<'s> {
    pub fn new(style: BlockStyle, stmts: Vec<Stmt<'s>>, span: Span) -> Self {
        Block(Box::new(BlockData {
            style,
            stmts,
            span,
            end: None,
        }))
    }
}

impl<'s> std::ops::Deref for Block<'s> {
    type Target = BlockData<'s>;
    fn deref(&self) -> &BlockData<'s> {
        &self.0
    }
}

impl<'s> std::ops::DerefMut for Block<'s> {
    fn deref_mut(&mut self) -> &mut BlockData<'s> {
        &mut self.0
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BlockData<'s> {
    pub style: BlockStyle,
    pub stmts: Vec<Stmt<'s>>,
    pub span: Span,
    /// The `end` line that closed an indented block, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<Span>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum DirectiveKind {
    Goal,
    Intent,
    Agent,
    Memory,
    Remember,
    Model,
    Assistant,
    LocalAi,
    Identity,
    Consciousness,
    Meta,
    Plugin,
}

impl DirectiveKind {
    pub fn from_key(key: &str) -> Option<Self> {
        Some(match key {
            "goal" => Self::Goal,
            "intent" => Self::Intent,
            "agent" => Self::Agent,
            "memory" => Self::Memory,
            "remember" => Self::Remember,
            "model" => Self::Model,
            "assistant" => Self::Assistant,
            "local_ai" => Self::LocalAi,
            "identity" => Self::Identity,
            "consciousness" => Self::Consciousness,
            "meta" => Self::Meta,
            "plugin" => Self::Plugin,
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum SectionKind {
    Meta,
    Policy,
    Require,
    Parallel,
    OnError,
    Transaction,
}

impl SectionKind {
    pub fn from_key(key: &str) -> Option<Self> {
        Some(match key {
            "meta" => Self::Meta,
            "policy" => Self::Policy,
            "require" => Self::Require,
            "parallel" => Self::Parallel,
            "on_error" => Self::OnError,
            "transaction" => Self::Transaction,
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum TriggerKind {
    On,
    Every,
    Monitor,
    Simulate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum FnSpelling {
    Fn,
    Function,
    Define,
    /// `export name(...) { }` with no keyword.
    Bare,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum LetKind {
    Let,
    Var,
    /// `define buffer as []`
    DefineAs,
}

/// The key of an entry: a word or a string.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind")]
pub enum Key<'s> {
    #[serde(rename = "KeyName")]
    Word { name: &'s str },
    #[serde(rename = "KeyStr")]
    Str { value: String },
}

impl Key<'_> {
    /// The key as written, without quotes.
    pub fn text(&self) -> &str {
        match self {
            Key::Word { name } => name,
            Key::Str { value } => value,
        }
    }
}

/// A `key: value` line: directive, entry, colon assignment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KeyValue<'s> {
    pub key: Spanned<Key<'s>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Value<'s>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<Pair<'s>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Block<'s>>,
}

/// The value of an entry or option.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind")]
pub enum Value<'s> {
    #[serde(rename = "ExprValue")]
    Expr { expr: Expr<'s> },
    /// Free text to the end of the line (or to the first trailing option).
    #[serde(rename = "Phrase")]
    Text { text: &'s str, span: Span },
    /// `key: |` and the indented lines below.
    BlockScalar { text: String, span: Span },
    /// `plugin: sysmon.status "disk"`: a capability of the host, by its dotted path, and
    /// the arguments it is invoked with.
    Invoke {
        #[serde(flatten)]
        invoke: Box<Invoke<'s>>,
        span: Span,
    },
    /// `every 30 minutes`, `every 24h`, `daily at "06:00"`, `weekly on "Friday"`.
    Schedule {
        #[serde(flatten)]
        schedule: Box<Schedule<'s>>,
        span: Span,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Invoke<'s> {
    /// The capability's dotted path (`sysmon.status`).
    pub target: Name<'s>,
    pub args: Vec<Part<'s>>,
}

/// When something runs: a period (`every 30 minutes`) or a cadence (`daily`), optionally at
/// a time and on a day.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Schedule<'s> {
    /// `every N UNIT` / `every 24h`: the number or duration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub every: Option<Box<Expr<'s>>>,
    /// The unit word after a plain number (`minutes`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<Name<'s>>,
    /// `hourly`, `daily`, `nightly`, `weekly`, `monthly`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cadence: Option<Name<'s>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<Box<Expr<'s>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on: Option<Box<Expr<'s>>>,
}

impl Value<'_> {
    pub fn span(&self) -> Span {
        match self {
            Value::Expr { expr } => expr.span,
            Value::Text { span, .. }
            | Value::BlockScalar { span, .. }
            | Value::Invoke { span, .. }
            | Value::Schedule { span, .. } => *span,
        }
    }
}

/// `k: v` or `k=v` (options, keyword arguments in commands).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Pair<'s> {
    pub key: Name<'s>,
    pub value: Value<'s>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Param<'s> {
    pub name: Name<'s>,
    /// The names bound by a destructuring parameter (`[a, b]`, `{ a, b }`); `name` then holds
    /// the pattern's text.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pattern: Vec<Name<'s>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ty: Option<Box<TypeExpr<'s>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<Expr<'s>>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub rest: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TypeExpr<'s> {
    pub name: Name<'s>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<TypeExpr<'s>>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Catch<'s> {
    /// `except Timeout` / `except Exception as e`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exception: Option<Expr<'s>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binding: Option<Name<'s>>,
    pub body: Block<'s>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Case<'s> {
    /// Empty for `default:`.
    pub patterns: Vec<Expr<'s>>,
    pub body: Block<'s>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IfBranch<'s> {
    pub cond: Expr<'s>,
    pub body: Block<'s>,
}

/// One word, expression or `k: v` pair of a command phrase.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind")]
pub enum Part<'s> {
    #[serde(rename = "ExprPart")]
    Expr {
        expr: Expr<'s>,
    },
    Pair {
        pair: Pair<'s>,
    },
    /// A keyword or operator among the words: `for`, `if`, `->`, `,`.
    Word {
        word: &'s str,
        span: Span,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Command<'s> {
    pub verb: Name<'s>,
    pub parts: Vec<Part<'s>>,
    /// The structure of the parts when the verb has a frame (`syntax::frames`); `None` for
    /// an open verb phrase, which stays a bag of parts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame: Option<Frame<'s>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Block<'s>>,
}

/// A framed command's slots, in order: the object (no keyword), then one slot per
/// preposition (`store $out in memory as "daily"`: object `$out`, `in` `memory`, `as`
/// `"daily"`). Each slot is a range of the command's parts, after its keyword.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Frame<'s> {
    pub slots: Vec<Slot<'s>>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Slot<'s> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keyword: Option<Name<'s>>,
    /// `parts[start..end]` hold the slot's value.
    pub start: u32,
    pub end: u32,
}

impl<'s> Command<'s> {
    /// The parts of each slot: `(keyword, value parts)`; the object first, with no keyword.
    pub fn slots(&self) -> impl Iterator<Item = (Option<&Name<'s>>, &[Part<'s>])> {
        self.frame.iter().flat_map(move |f| {
            f.slots.iter().map(move |s| {
                let parts = self
                    .parts
                    .get(s.start as usize..s.end as usize)
                    .unwrap_or(&[]);
                (s.keyword.as_ref(), parts)
            })
        })
    }

    /// Whether the part at `i` is a slot keyword of the frame (a preposition, not a value).
    pub fn is_slot_keyword(&self, i: usize) -> bool {
        self.frame.as_ref().is_some_and(|f| {
            f.slots
                .iter()
                .any(|s| s.keyword.is_some() && s.start as usize == i + 1)
        })
    }
}

/// The right-hand side of an assignment: an expression or a command used as a value
/// (`hits = pattern frequency "timeout"`, `key = remember findings as "t"`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind")]
pub enum AssignValue<'s> {
    #[serde(rename = "ExprValue")]
    Expr { expr: Expr<'s> },
    #[serde(rename = "StmtValue")]
    Stmt { stmt: Box<Stmt<'s>> },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum AssignOp {
    Set,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind")]
pub enum StmtKind<'s> {
    #[serde(rename = "ExprStmt")]
    Expr {
        expr: Expr<'s>,
        #[serde(skip_serializing_if = "Option::is_none")]
        body: Option<Block<'s>>,
    },
    Let {
        let_kind: LetKind,
        name: Name<'s>,
        #[serde(skip_serializing_if = "Option::is_none")]
        ty: Option<Box<TypeExpr<'s>>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        value: Option<AssignValue<'s>>,
    },
    Assign {
        target: Expr<'s>,
        op: AssignOp,
        value: AssignValue<'s>,
    },
    /// `flags: List[Finding] = scan(x)`
    TypedAssign {
        name: Name<'s>,
        ty: Box<TypeExpr<'s>>,
        value: Expr<'s>,
    },
    /// `goal:`, `agent:`, `memory:`, `intent:` ... at statement level.
    Directive {
        directive: DirectiveKind,
        #[serde(flatten)]
        kv: Box<KeyValue<'s>>,
    },
    /// `key: value`, `key:` + suite: colon assignment and mapping entry alike.
    Entry {
        #[serde(flatten)]
        kv: Box<KeyValue<'s>>,
    },
    /// v1.1 `meta:`, `policy:`, `require:`, `parallel:`, `on_error:`, `transaction:`.
    Section {
        section: SectionKind,
        key: Span,
        body: Block<'s>,
    },
    Await {
        names: Vec<Expr<'s>>,
    },
    ListItem {
        item: Box<Stmt<'s>>,
    },
    /// `1. mount_memory()`
    Step {
        number: u32,
        stmt: Box<Stmt<'s>>,
    },
    If {
        branches: Vec<IfBranch<'s>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        else_body: Option<Block<'s>>,
    },
    /// A condition line with no body inside a mapping: `if inbox.has("new")`.
    Guard {
        cond: Expr<'s>,
    },
    For {
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        each: bool,
        vars: Vec<Name<'s>>,
        iter: Expr<'s>,
        body: Block<'s>,
    },
    While {
        cond: Expr<'s>,
        body: Block<'s>,
    },
    Try {
        body: Block<'s>,
        catches: Vec<Catch<'s>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        finally: Option<Block<'s>>,
    },
    Match {
        subject: Expr<'s>,
        cases: Vec<Case<'s>>,
    },
    Return {
        #[serde(skip_serializing_if = "Option::is_none")]
        value: Option<Expr<'s>>,
    },
    Break,
    Continue,
    Throw {
        value: Expr<'s>,
    },
    Wait {
        duration: Expr<'s>,
    },
    Import {
        path: Leaf<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        alias: Option<Name<'s>>,
    },
    Use {
        path: Leaf<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        alias: Option<Name<'s>>,
    },
    Log {
        value: Expr<'s>,
    },
    Think {
        value: Expr<'s>,
    },
    Function {
        spelling: FnSpelling,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        export: bool,
        name: Name<'s>,
        params: Vec<Param<'s>>,
        body: Block<'s>,
    },
    Plugin {
        name: Spanned<Key<'s>>,
        body: Block<'s>,
    },
    /// `on_run { }`, `init() { }`, `goal("ship") { }`, `workflow Nightly { }`.
    NamedBlock {
        name: Name<'s>,
        #[serde(skip_serializing_if = "Option::is_none")]
        label: Option<Name<'s>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        args: Option<Vec<Arg<'s>>>,
        body: Block<'s>,
    },
    When {
        cond: Expr<'s>,
        body: Block<'s>,
    },
    /// `on event "x":`, `every 5 minutes:`, `monitor changes:`, `simulate agent for 12h`.
    Trigger {
        trigger: TriggerKind,
        head: Vec<Part<'s>>,
        body: Block<'s>,
    },
    Behavior {
        name: Name<'s>,
        body: Block<'s>,
    },
    /// `remember(x) as "tags"`, `remember x as "tags" { ... }`
    Remember {
        value: Expr<'s>,
        #[serde(skip_serializing_if = "Option::is_none")]
        tags: Option<Expr<'s>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        body: Option<Block<'s>>,
    },
    /// `recall tag: "cache"`, `recall "today" -> $log`
    Recall {
        #[serde(skip_serializing_if = "Option::is_none")]
        key: Option<Name<'s>>,
        value: Expr<'s>,
        #[serde(skip_serializing_if = "Option::is_none")]
        into: Option<Expr<'s>>,
    },
    /// A `- item` (or other line) that is free text rather than an expression.
    Phrase {
        text: &'s str,
        #[serde(skip_serializing_if = "Option::is_none")]
        body: Option<Block<'s>>,
    },
    /// The generic verb phrase: the fallback for a line no specific form claims.
    Command {
        #[serde(flatten)]
        command: Command<'s>,
    },
    /// Shell, Python or JavaScript syntax; reported as an error.
    Foreign {
        language: &'s str,
    },
    Error,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum BinOp {
    Or,
    And,
    Coalesce,
    Eq,
    NotEq,
    Lt,
    Gt,
    LtEq,
    GtEq,
    In,
    NotIn,
    /// `text contains "x"` (English dialect)
    Contains,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Pow,
    BitOr,
    BitAnd,
    BitXor,
    Shl,
    Shr,
    Range,
    /// `->` and `→`: `recall "today" → $log`, `expose_command "x" -> f`
    Arrow,
}

impl BinOp {
    /// The operator as written (the first spelling where there are several).
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "or",
            BinOp::And => "and",
            BinOp::Coalesce => "??",
            BinOp::Eq => "==",
            BinOp::NotEq => "!=",
            BinOp::Lt => "<",
            BinOp::Gt => ">",
            BinOp::LtEq => "<=",
            BinOp::GtEq => ">=",
            BinOp::In => "in",
            BinOp::NotIn => "not in",
            BinOp::Contains => "contains",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
            BinOp::Pow => "**",
            BinOp::BitOr => "|",
            BinOp::BitAnd => "&",
            BinOp::BitXor => "^",
            BinOp::Shl => "<<",
            BinOp::Shr => ">>",
            BinOp::Range => "..",
            BinOp::Arrow => "->",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum UnOp {
    Neg,
    Plus,
    Not,
    BitNot,
    PreInc,
    PreDec,
    /// `...xs` inside a list literal.
    Spread,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum PostOp {
    Inc,
    Dec,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum StrKind {
    Double,
    Single,
    FString,
    Triple,
    FTriple,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind")]
pub enum StrPart<'s> {
    /// The text with its escapes resolved: borrowed from the source when it has none (most
    /// literals), so a string costs no allocation of its own.
    #[serde(rename = "StrText")]
    Text { text: Cow<'s, str> },
    Interp {
        expr: Expr<'s>,
        #[serde(skip_serializing_if = "Option::is_none")]
        spec: Option<&'s str>,
    },
    /// `{...}` that does not parse: kept verbatim, with a warning.
    Raw { text: &'s str, span: Span },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind")]
pub enum Arg<'s> {
    Positional { value: Expr<'s> },
    Keyword { name: Name<'s>, value: Expr<'s> },
    Spread { value: Expr<'s> },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind")]
pub enum MapEntry<'s> {
    Pair {
        key: Expr<'s>,
        value: Expr<'s>,
    },
    Spread {
        value: Expr<'s>,
    },
    /// `{ a, b }`
    Shorthand {
        name: Name<'s>,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind")]
pub enum LambdaBody<'s> {
    #[serde(rename = "ExprBody")]
    Expr { expr: Box<Expr<'s>> },
    #[serde(rename = "BlockBody")]
    Block { block: Block<'s> },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CallPath<'s> {
    pub path: Leaf<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub args: Option<Vec<Arg<'s>>>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comprehension<'s> {
    pub element: Expr<'s>,
    pub vars: Vec<Name<'s>>,
    pub iter: Expr<'s>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cond: Option<Expr<'s>>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind")]
pub enum ExprKind<'s> {
    Null,
    Bool {
        value: bool,
    },
    Int {
        value: i64,
    },
    Float {
        value: f64,
    },
    Percent {
        value: f64,
    },
    Duration {
        value: f64,
        unit: &'s str,
    },
    Str {
        str_kind: StrKind,
        parts: Vec<StrPart<'s>>,
    },
    Regex {
        pattern: &'s str,
    },
    Name {
        name: &'s str,
    },
    /// `$name`
    Var {
        name: &'s str,
    },
    /// `{{name}}`
    Placeholder {
        name: &'s str,
    },
    List {
        items: Vec<Expr<'s>>,
    },
    /// `key: value` inside list brackets: `[ curious: 0.8 ]`
    ListPair {
        key: Box<Expr<'s>>,
        value: Box<Expr<'s>>,
    },
    Map {
        entries: Vec<MapEntry<'s>>,
    },
    Tuple {
        items: Vec<Expr<'s>>,
    },
    Paren {
        expr: Box<Expr<'s>>,
    },
    Unary {
        op: UnOp,
        expr: Box<Expr<'s>>,
    },
    Postfix {
        op: PostOp,
        expr: Box<Expr<'s>>,
    },
    Binary {
        op: BinOp,
        lhs: Box<Expr<'s>>,
        rhs: Box<Expr<'s>>,
    },
    /// `c ? a : b` and Python's `a if c else b`
    Conditional {
        cond: Box<Expr<'s>>,
        then: Box<Expr<'s>>,
        otherwise: Box<Expr<'s>>,
    },
    Call {
        callee: Box<Expr<'s>>,
        args: Vec<Arg<'s>>,
    },
    Member {
        object: Box<Expr<'s>>,
        name: Name<'s>,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        optional: bool,
    },
    Index {
        object: Box<Expr<'s>>,
        index: Box<Expr<'s>>,
    },
    Slice {
        object: Box<Expr<'s>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        start: Option<Box<Expr<'s>>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        end: Option<Box<Expr<'s>>>,
    },
    Lambda {
        params: Vec<Param<'s>>,
        body: LambdaBody<'s>,
    },
    /// `function(x) { }`, `fn(x) { }`
    FnExpr {
        params: Vec<Param<'s>>,
        body: Block<'s>,
    },
    New {
        callee: Box<Expr<'s>>,
        args: Vec<Arg<'s>>,
    },
    IfExpr {
        cond: Box<Expr<'s>>,
        then: Block<'s>,
        otherwise: Box<Expr<'s>>,
    },
    /// The block of an if-expression's `else { }`.
    BlockExpr {
        block: Block<'s>,
    },
    /// `call sys/agents.spawn(x)`
    CallPath(Box<CallPath<'s>>),
    /// `x for x in xs if c` (generator arguments, list comprehensions)
    Comprehension(Box<Comprehension<'s>>),
    /// English conditions: `buffer exists`, `buffer not empty`, `queue is empty`.
    Predicate {
        expr: Box<Expr<'s>>,
        predicate: &'static str,
    },
    /// Assignment as a lambda body: `() => done = true`
    Assign {
        target: Box<Expr<'s>>,
        op: AssignOp,
        value: Box<Expr<'s>>,
    },
    Error,
}

/// Gives back the spare capacity of every vector in a tree. Vectors collected by the parser
/// grow by doubling from four elements, so a call with one argument held four `Arg`s' worth
/// and a block of one statement four `Stmt`s': on a large file, a third of the tree's memory.
/// The parser compacts each top-level statement as soon as it is built, so the memory is
/// reused for the next one instead of all being held until the end of the file.
pub trait Compact {
    fn compact(&mut self);
}

/// The size of source (bytes) from which the parser compacts its statements.
pub const COMPACT_FROM: usize = 64 << 10;

impl<T: Compact> Compact for Vec<T> {
    fn compact(&mut self) {
        self.shrink_to_fit();
        self.iter_mut().for_each(Compact::compact);
    }
}

impl<T: Compact> Compact for Box<T> {
    fn compact(&mut self) {
        (**self).compact();
    }
}

impl<T: Compact> Compact for Option<T> {
    fn compact(&mut self) {
        if let Some(x) = self {
            x.compact();
        }
    }
}

impl<T: Compact> Compact for Spanned<T> {
    fn compact(&mut self) {
        self.node.compact();
    }
}

/// Leaves and names hold no vectors.
impl<T> Compact for Leaf<T> {
    fn compact(&mut self) {}
}

impl Compact for File<'_> {
    fn compact(&mut self) {
        self.stmts.compact();
    }
}

impl Compact for Block<'_> {
    fn compact(&mut self) {
        self.0.stmts.compact();
    }
}

impl Compact for Key<'_> {
    fn compact(&mut self) {}
}

impl Compact for KeyValue<'_> {
    fn compact(&mut self) {
        self.value.compact();
        self.options.compact();
        self.body.compact();
    }
}

impl Compact for Value<'_> {
    fn compact(&mut self) {
        match self {
            Value::Expr { expr } => expr.compact(),
            Value::Text { .. } | Value::BlockScalar { .. } => {}
            Value::Invoke { invoke, .. } => invoke.args.compact(),
            Value::Schedule { schedule, .. } => {
                schedule.every.compact();
                schedule.at.compact();
                schedule.on.compact();
            }
        }
    }
}

impl Compact for Pair<'_> {
    fn compact(&mut self) {
        self.value.compact();
    }
}

impl Compact for Param<'_> {
    fn compact(&mut self) {
        self.pattern.shrink_to_fit();
        self.ty.compact();
        self.default.compact();
    }
}

impl Compact for TypeExpr<'_> {
    fn compact(&mut self) {
        self.args.compact();
    }
}

impl Compact for Catch<'_> {
    fn compact(&mut self) {
        self.exception.compact();
        self.body.compact();
    }
}

impl Compact for Case<'_> {
    fn compact(&mut self) {
        self.patterns.compact();
        self.body.compact();
    }
}

impl Compact for IfBranch<'_> {
    fn compact(&mut self) {
        self.cond.compact();
        self.body.compact();
    }
}

impl Compact for Part<'_> {
    fn compact(&mut self) {
        match self {
            Part::Expr { expr } => expr.compact(),
            Part::Pair { pair } => pair.compact(),
            Part::Word { .. } => {}
        }
    }
}

impl Compact for Command<'_> {
    fn compact(&mut self) {
        self.parts.compact();
        if let Some(frame) = &mut self.frame {
            frame.slots.shrink_to_fit();
        }
        self.body.compact();
    }
}

impl Compact for AssignValue<'_> {
    fn compact(&mut self) {
        match self {
            AssignValue::Expr { expr } => expr.compact(),
            AssignValue::Stmt { stmt } => stmt.compact(),
        }
    }
}

impl Compact for StmtKind<'_> {
    fn compact(&mut self) {
        match self {
            StmtKind::Expr { expr, body } => {
                expr.compact();
                body.compact();
            }
            StmtKind::Let { ty, value, .. } => {
                ty.compact();
                value.compact();
            }
            StmtKind::Assign { target, value, .. } => {
                target.compact();
                value.compact();
            }
            StmtKind::TypedAssign { ty, value, .. } => {
                ty.compact();
                value.compact();
            }
            StmtKind::Directive { kv, .. } | StmtKind::Entry { kv } => kv.compact(),
            StmtKind::Section { body, .. }
            | StmtKind::Plugin { body, .. }
            | StmtKind::Behavior { body, .. } => body.compact(),
            StmtKind::Await { names } => names.compact(),
            StmtKind::ListItem { item: stmt } | StmtKind::Step { stmt, .. } => stmt.compact(),
            StmtKind::If {
                branches,
                else_body,
            } => {
                branches.compact();
                else_body.compact();
            }
            StmtKind::Guard { cond }
            | StmtKind::Throw { value: cond }
            | StmtKind::Wait { duration: cond }
            | StmtKind::Log { value: cond }
            | StmtKind::Think { value: cond } => cond.compact(),
            StmtKind::For {
                vars, iter, body, ..
            } => {
                vars.shrink_to_fit();
                iter.compact();
                body.compact();
            }
            StmtKind::While { cond, body } | StmtKind::When { cond, body } => {
                cond.compact();
                body.compact();
            }
            StmtKind::Try {
                body,
                catches,
                finally,
            } => {
                body.compact();
                catches.compact();
                finally.compact();
            }
            StmtKind::Match { subject, cases } => {
                subject.compact();
                cases.compact();
            }
            StmtKind::Return { value } => value.compact(),
            StmtKind::Function { params, body, .. } => {
                params.compact();
                body.compact();
            }
            StmtKind::NamedBlock { args, body, .. } => {
                args.compact();
                body.compact();
            }
            StmtKind::Trigger { head, body, .. } => {
                head.compact();
                body.compact();
            }
            StmtKind::Remember { value, tags, body } => {
                value.compact();
                tags.compact();
                body.compact();
            }
            StmtKind::Recall { value, into, .. } => {
                value.compact();
                into.compact();
            }
            StmtKind::Phrase { body, .. } => body.compact(),
            StmtKind::Command { command } => command.compact(),
            StmtKind::Import { .. }
            | StmtKind::Use { .. }
            | StmtKind::Break
            | StmtKind::Continue
            | StmtKind::Foreign { .. }
            | StmtKind::Error => {}
        }
    }
}

impl Compact for StrPart<'_> {
    fn compact(&mut self) {
        match self {
            StrPart::Text { text } => {
                if let Cow::Owned(t) = text {
                    t.shrink_to_fit()
                }
            }
            StrPart::Interp { expr, .. } => expr.compact(),
            StrPart::Raw { .. } => {}
        }
    }
}

impl Compact for Arg<'_> {
    fn compact(&mut self) {
        match self {
            Arg::Positional { value } | Arg::Keyword { value, .. } | Arg::Spread { value } => {
                value.compact()
            }
        }
    }
}

impl Compact for MapEntry<'_> {
    fn compact(&mut self) {
        match self {
            MapEntry::Pair { key, value } => {
                key.compact();
                value.compact();
            }
            MapEntry::Spread { value } => value.compact(),
            MapEntry::Shorthand { .. } => {}
        }
    }
}

impl Compact for LambdaBody<'_> {
    fn compact(&mut self) {
        match self {
            LambdaBody::Expr { expr } => expr.compact(),
            LambdaBody::Block { block } => block.compact(),
        }
    }
}

impl Compact for ExprKind<'_> {
    fn compact(&mut self) {
        match self {
            ExprKind::Null
            | ExprKind::Bool { .. }
            | ExprKind::Int { .. }
            | ExprKind::Float { .. }
            | ExprKind::Percent { .. }
            | ExprKind::Duration { .. }
            | ExprKind::Regex { .. }
            | ExprKind::Name { .. }
            | ExprKind::Var { .. }
            | ExprKind::Placeholder { .. }
            | ExprKind::Error => {}
            ExprKind::Str { parts, .. } => parts.compact(),
            ExprKind::List { items } | ExprKind::Tuple { items } => items.compact(),
            ExprKind::ListPair { key, value } => {
                key.compact();
                value.compact();
            }
            ExprKind::Map { entries } => entries.compact(),
            ExprKind::Paren { expr }
            | ExprKind::Unary { expr, .. }
            | ExprKind::Postfix { expr, .. }
            | ExprKind::Predicate { expr, .. } => expr.compact(),
            ExprKind::Binary { lhs, rhs, .. } => {
                lhs.compact();
                rhs.compact();
            }
            ExprKind::Conditional {
                cond,
                then,
                otherwise,
            } => {
                cond.compact();
                then.compact();
                otherwise.compact();
            }
            ExprKind::Call { callee, args } | ExprKind::New { callee, args } => {
                callee.compact();
                args.compact();
            }
            ExprKind::Member { object, .. } => object.compact(),
            ExprKind::Index { object, index } => {
                object.compact();
                index.compact();
            }
            ExprKind::Slice { object, start, end } => {
                object.compact();
                start.compact();
                end.compact();
            }
            ExprKind::Lambda { params, body } => {
                params.compact();
                body.compact();
            }
            ExprKind::FnExpr { params, body } => {
                params.compact();
                body.compact();
            }
            ExprKind::IfExpr {
                cond,
                then,
                otherwise,
            } => {
                cond.compact();
                then.compact();
                otherwise.compact();
            }
            ExprKind::BlockExpr { block } => block.compact(),
            ExprKind::CallPath(call) => call.args.compact(),
            ExprKind::Comprehension(c) => {
                c.element.compact();
                c.vars.shrink_to_fit();
                c.iter.compact();
                c.cond.compact();
            }
            ExprKind::Assign { target, value, .. } => {
                target.compact();
                value.compact();
            }
        }
    }
}

#[cfg(test)]
mod size_tests {
    use super::*;
    use std::mem::size_of;

    /// The parser moves nodes by value through many combinator layers, so node size is
    /// parse time (boxing blocks and large payloads took `Stmt` from 232 to 144 bytes).
    /// These bounds keep it from creeping back; raise one only with a measurement.
    #[test]
    fn hot_nodes_stay_small() {
        assert!(
            size_of::<Expr>() <= 56,
            "Expr is {} bytes",
            size_of::<Expr>()
        );
        assert!(
            size_of::<Stmt>() <= 144,
            "Stmt is {} bytes",
            size_of::<Stmt>()
        );
        assert!(
            size_of::<Block>() <= 8,
            "Block is {} bytes",
            size_of::<Block>()
        );
        assert!(
            size_of::<Value>() <= 56,
            "Value is {} bytes",
            size_of::<Value>()
        );
        assert!(size_of::<Arg>() <= 80, "Arg is {} bytes", size_of::<Arg>());
    }
}
