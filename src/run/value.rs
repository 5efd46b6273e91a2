//! Runtime values.
//!
//! Lists and maps are shared and mutable (`items.push(x)` changes every alias), as in the
//! brace and Python-like dialects; maps keep insertion order. Functions hold references into
//! the syntax tree, which outlives the run (`'a`).

use crate::registry::builtins::Builtin;
use crate::syntax::ast::{Block, Expr, Param};
use indexmap::IndexMap;
use std::cell::RefCell;
use std::fmt::Write as _;
use std::rc::Rc;

/// The interpreter's lexical environment: frames of names bound to values.
pub type Env<'a> = super::env::Env<'a, Value<'a>>;

pub type List<'a> = Rc<RefCell<Vec<Value<'a>>>>;
/// A map's fields, in insertion order, Fx-hashed (keys are short; maps are hot in loops).
pub type Fields<'a> = IndexMap<Rc<str>, Value<'a>, rustc_hash::FxBuildHasher>;
pub type Map<'a> = Rc<RefCell<Fields<'a>>>;

#[derive(Clone)]
pub enum Value<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Rc<str>),
    List(List<'a>),
    Map(Map<'a>),
    Func(Rc<Function<'a>>),
    Builtin(&'static Builtin),
    /// A method bound to its receiver: `let f = items.push`.
    Method(Rc<(Value<'a>, Rc<str>)>),
    Plugin(Rc<Plugin<'a>>),
    Module(Rc<Module<'a>>),
    /// Something the host provides, by its dotted path (`sysmon`, `memory.has`): a plugin
    /// declared but not loaded as a file, or a name the runtime binds. Calling it is a
    /// request to the host (`run::host`).
    Host(Rc<str>),
}

pub enum Body<'a> {
    Block(&'a Block<'a>),
    Expr(&'a Expr<'a>),
}

pub struct Function<'a> {
    pub name: &'a str,
    pub params: &'a [Param<'a>],
    pub body: Body<'a>,
    pub env: Env<'a>,
    /// The line of the declaration, for call traces.
    pub line: usize,
    /// The file that declares it (index into the interpreter's sources).
    pub file: usize,
}

/// A registered `plugin NAME { ... }`: its scope holds `config`, `state` and its functions.
pub struct Plugin<'a> {
    pub name: Rc<str>,
    pub env: Env<'a>,
    /// Lifecycle blocks by name (`init`, `on_run`, `cleanup`, ...).
    pub blocks: Vec<(&'a str, &'a Block<'a>)>,
    pub file: usize,
    /// `schedule: every 2 hours` (directly or under `trigger:`): `on_run` runs again on it.
    pub schedule: Option<&'a crate::syntax::ast::Schedule<'a>>,
}

/// An imported module: its top-level names.
pub struct Module<'a> {
    pub path: Rc<str>,
    pub env: Env<'a>,
}

impl<'a> Value<'a> {
    pub fn str(s: &str) -> Self {
        Value::Str(Rc::from(s))
    }

    pub fn list(items: Vec<Value<'a>>) -> Self {
        Value::List(Rc::new(RefCell::new(items)))
    }

    pub fn map(entries: Fields<'a>) -> Self {
        Value::Map(Rc::new(RefCell::new(entries)))
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "string",
            Value::List(_) => "list",
            Value::Map(_) => "map",
            Value::Func(_) | Value::Builtin(_) | Value::Method(_) => "function",
            Value::Plugin(_) => "plugin",
            Value::Module(_) => "module",
            Value::Host(_) => "host value",
        }
    }

    /// The type name with its article, for messages: "an int", "a string".
    pub fn a_type(&self) -> String {
        let t = self.type_name();
        let article = if t.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        format!("{article} {t}")
    }

    /// Functions, lambdas, builtins and bound methods: what `call_value` can call.
    pub fn is_callable(&self) -> bool {
        matches!(self, Value::Func(_) | Value::Builtin(_) | Value::Method(_))
    }

    pub fn truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::List(l) => !l.borrow().is_empty(),
            Value::Map(m) => !m.borrow().is_empty(),
            // An unanswered host value is unknown, as falsy as null.
            Value::Host(_) => false,
            _ => true,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// The value as a map key: a string is shared as is, anything else is its text.
    pub fn key(&self) -> Rc<str> {
        match self {
            Value::Str(s) => s.clone(),
            other => Rc::from(other.display().as_str()),
        }
    }

    /// Append the display text to `out` without an intermediate string for strings.
    pub fn push_display(&self, out: &mut String) {
        match self {
            Value::Str(s) => out.push_str(s),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            other => out.push_str(&other.display()),
        }
    }

    /// Text as `log`, `print` and interpolation show it: strings without quotes.
    pub fn display(&self) -> String {
        match self {
            Value::Str(s) => s.to_string(),
            other => other.repr(),
        }
    }

    /// Text with strings quoted (inside lists and maps).
    pub fn repr(&self) -> String {
        let mut out = String::new();
        self.write_repr(&mut out, 0);
        out
    }

    fn write_repr(&self, out: &mut String, depth: usize) {
        if depth > 32 {
            out.push_str("...");
            return;
        }
        // Past the size limit the text is refused by its caller anyway: stop growing it, so
        // a list holding the same huge string a million times cannot exhaust memory.
        if out.len() > MAX_SIZE {
            return;
        }
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => {
                let _ = write!(out, "{b}");
            }
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Float(f) => out.push_str(&format_float(*f)),
            Value::Str(s) => {
                let _ = write!(out, "{:?}", &**s);
            }
            Value::List(l) => {
                out.push('[');
                for (i, v) in l.borrow().iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.write_repr(out, depth + 1);
                }
                out.push(']');
            }
            Value::Map(m) => {
                out.push('{');
                for (i, (k, v)) in m.borrow().iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    let _ = write!(out, "{k}: ");
                    v.write_repr(out, depth + 1);
                }
                out.push('}');
            }
            Value::Func(f) => {
                let _ = write!(out, "<function {}>", f.name);
            }
            Value::Builtin(b) => {
                let _ = write!(out, "<builtin {}>", b.name);
            }
            Value::Method(m) => {
                let _ = write!(out, "<method {}>", m.1);
            }
            Value::Plugin(p) => {
                let _ = write!(out, "<plugin {}>", p.name);
            }
            Value::Module(m) => {
                let _ = write!(out, "<module {}>", m.path);
            }
            Value::Host(path) => {
                let _ = write!(out, "<host {path}>");
            }
        }
    }

    /// Structural equality for data; functions and handles compare by identity.
    pub fn equals(&self, other: &Value<'a>) -> bool {
        self.equals_depth(other, 0)
    }

    /// Past `MAX_DEPTH` nested lists and maps only identity counts, so cyclic data (a list that
    /// contains itself) compares without exhausting the stack.
    fn equals_depth(&self, other: &Value<'a>, depth: usize) -> bool {
        const MAX_DEPTH: usize = 64;
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Str(a), Value::Str(b)) => a == b,
            (a, b) if a.as_f64().is_some() && b.as_f64().is_some() => a.as_f64() == b.as_f64(),
            (Value::List(a), Value::List(b)) => {
                Rc::ptr_eq(a, b)
                    || (depth < MAX_DEPTH && {
                        let (a, b) = (a.borrow(), b.borrow());
                        a.len() == b.len()
                            && a.iter()
                                .zip(b.iter())
                                .all(|(x, y)| x.equals_depth(y, depth + 1))
                    })
            }
            (Value::Map(a), Value::Map(b)) => {
                Rc::ptr_eq(a, b)
                    || (depth < MAX_DEPTH && {
                        let (a, b) = (a.borrow(), b.borrow());
                        a.len() == b.len()
                            && a.iter().all(|(k, v)| {
                                b.get(k).is_some_and(|w| v.equals_depth(w, depth + 1))
                            })
                    })
            }
            (Value::Func(a), Value::Func(b)) => Rc::ptr_eq(a, b),
            (Value::Builtin(a), Value::Builtin(b)) => std::ptr::eq(*a, *b),
            (Value::Plugin(a), Value::Plugin(b)) => Rc::ptr_eq(a, b),
            (Value::Host(a), Value::Host(b)) => a == b,
            (Value::Module(a), Value::Module(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// The JSON form stored in memory. Functions and handles become their description.
    pub fn to_json(&self) -> serde_json::Value {
        self.to_json_depth(0)
    }

    fn to_json_depth(&self, depth: usize) -> serde_json::Value {
        use serde_json::Value as J;
        if depth > 64 {
            return J::Null;
        }
        match self {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s) => J::String(s.to_string()),
            Value::List(l) => J::Array(
                l.borrow()
                    .iter()
                    .map(|v| v.to_json_depth(depth + 1))
                    .collect(),
            ),
            Value::Map(m) => J::Object(
                m.borrow()
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_json_depth(depth + 1)))
                    .collect(),
            ),
            other => J::String(other.repr()),
        }
    }

    /// The JSON form of a value that is to be kept (the memory store, globals, metrics): like
    /// [`Value::to_json`], except that a value JSON cannot hold is refused instead of quietly
    /// becoming `null`. JSON has no NaN or Infinity, and a list or map nested deeper than
    /// `max_depth` (which is what a list that contains itself looks like) would not read back.
    /// The error says what was refused and where: `Infinity at .latency[2]`.
    pub fn to_json_exact(&self, max_depth: usize) -> Result<serde_json::Value, String> {
        let mut path = String::new();
        self.to_json_exact_at(max_depth, max_depth, &mut path)
    }

    fn to_json_exact_at(
        &self,
        depth_left: usize,
        max_depth: usize,
        path: &mut String,
    ) -> Result<serde_json::Value, String> {
        use serde_json::Value as J;
        let at = |path: &str| {
            if path.is_empty() {
                String::new()
            } else {
                format!(" at {path}")
            }
        };
        match self {
            Value::Float(f) if !f.is_finite() => Err(format!(
                "{}{}: JSON, which the store keeps, has no NaN or Infinity; store str(x) to keep \
                 the text, or check the number first",
                format_float(*f),
                at(path)
            )),
            // No path here: it would only repeat `[0]` a hundred times.
            Value::List(_) | Value::Map(_) if depth_left == 0 => Err(format!(
                "a value whose lists and maps nest more than {max_depth} deep (or that contains \
                 itself)"
            )),
            Value::List(l) => {
                let mut items = Vec::with_capacity(l.borrow().len());
                for (i, v) in l.borrow().iter().enumerate() {
                    let len = path.len();
                    let _ = write!(path, "[{i}]");
                    items.push(v.to_json_exact_at(depth_left - 1, max_depth, path)?);
                    path.truncate(len);
                }
                Ok(J::Array(items))
            }
            Value::Map(m) => {
                let mut fields = serde_json::Map::new();
                for (k, v) in m.borrow().iter() {
                    let len = path.len();
                    let _ = write!(path, ".{k}");
                    fields.insert(
                        k.to_string(),
                        v.to_json_exact_at(depth_left - 1, max_depth, path)?,
                    );
                    path.truncate(len);
                }
                Ok(J::Object(fields))
            }
            other => Ok(other.to_json()),
        }
    }

    pub fn from_json(j: &serde_json::Value) -> Value<'a> {
        use serde_json::Value as J;
        match j {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(0.0)),
            },
            J::String(s) => Value::str(s),
            J::Array(a) => Value::list(a.iter().map(Value::from_json).collect()),
            J::Object(o) => Value::map(
                o.iter()
                    .map(|(k, v)| (Rc::from(k.as_str()), Value::from_json(v)))
                    .collect(),
            ),
        }
    }
}

/// Floats print like Python's `repr` for the common cases: `2.0`, `0.1`, `1e+20`.
pub fn format_float(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else if f != 0.0 && !(1e-4..1e16).contains(&f.abs()) {
        // Python's repr switches to exponent notation here: 1e+20, 2.5e-07.
        let e = format!("{f:e}");
        match e.split_once('e') {
            Some((m, exp)) if !exp.starts_with('-') => format!("{m}e+{exp:0>2}"),
            Some((m, exp)) => format!("{m}e-{:0>2}", &exp[1..]),
            None => e,
        }
    } else if f == f.trunc() {
        format!("{f:.1}")
    } else {
        format!("{f}")
    }
}

/// The largest string (in bytes) or list (in items) an operation may build: past it a script
/// gets RUNTIME_ERROR instead of the process running out of memory.
pub const MAX_SIZE: usize = 1 << 26;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_python() {
        assert_eq!(format_float(2.0), "2.0");
        assert_eq!(format_float(0.1), "0.1");
        assert_eq!(format_float(1e20), "1e+20");
        assert_eq!(format_float(2.5e-7), "2.5e-07");
        assert_eq!(format_float(-1.5e300), "-1.5e+300");
    }

    #[test]
    fn exact_json_refuses_what_json_cannot_hold_and_says_where() {
        let map = |fields: Vec<(&str, Value<'static>)>| {
            Value::map(fields.into_iter().map(|(k, v)| (Rc::from(k), v)).collect())
        };
        let fine = map(vec![(
            "a",
            Value::list(vec![Value::Float(1.5), Value::Null]),
        )]);
        assert_eq!(fine.to_json_exact(8).unwrap(), fine.to_json());
        for (bad, shown) in [
            (f64::NAN, "NaN at .a[1]"),
            (f64::INFINITY, "Infinity at .a[1]"),
            (f64::NEG_INFINITY, "-Infinity at .a[1]"),
        ] {
            let v = map(vec![(
                "a",
                Value::list(vec![Value::Int(1), Value::Float(bad)]),
            )]);
            let error = v.to_json_exact(8).unwrap_err();
            assert!(error.starts_with(shown), "{error}");
        }
        assert!(Value::Float(f64::NAN)
            .to_json_exact(8)
            .unwrap_err()
            .starts_with("NaN:"));

        // Exactly `max_depth` levels of lists are kept; one more is refused.
        let nested = |levels: usize| {
            let mut v = Value::Int(0);
            for _ in 0..levels {
                v = Value::list(vec![v]);
            }
            v
        };
        assert!(nested(3).to_json_exact(3).is_ok());
        assert!(nested(4).to_json_exact(3).is_err());
        let cyclic = Value::list(Vec::new());
        if let Value::List(l) = &cyclic {
            l.borrow_mut().push(cyclic.clone());
        }
        assert!(cyclic.to_json_exact(100).unwrap_err().contains("contains"));
        if let Value::List(l) = &cyclic {
            l.borrow_mut().clear();
        }
    }

    #[test]
    fn cyclic_lists_compare_without_overflow() {
        let a = Value::list(vec![Value::Int(1)]);
        let b = Value::list(vec![Value::Int(1)]);
        if let (Value::List(x), Value::List(y)) = (&a, &b) {
            x.borrow_mut().push(b.clone());
            y.borrow_mut().push(a.clone());
        }
        // The comparison recurses until the depth cap, where only identity counts.
        assert!(!a.equals(&b));
        assert!(a.equals(&a));
    }
}
