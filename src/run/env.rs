//! Lexical environments: one frame per function call, plugin, module or handler; blocks share
//! their function's frame (variables are function-scoped, as the validator assumes).
//!
//! Most frames hold a handful of names, and name lookup is the interpreter's hottest path, so
//! a frame is a short vector searched linearly (no hashing; names compared inline) until it
//! grows past `SMALL`, when it switches to a hash map (the builtins frame, big modules).

use rustc_hash::FxHashMap;
use std::cell::RefCell;
use std::rc::Rc;

/// Generic over the value type so that this module does not depend on `value`, which holds
/// environments in closures: `value::Env` is the instance the interpreter uses.
pub struct Env<'a, V>(Rc<RefCell<Frame<'a, V>>>);

impl<V> Clone for Env<'_, V> {
    fn clone(&self) -> Self {
        Env(self.0.clone())
    }
}

const SMALL: usize = 12;

struct Frame<'a, V> {
    small: Vec<(&'a str, V)>,
    big: Option<FxHashMap<&'a str, V>>,
    parent: Option<Env<'a, V>>,
    /// Assignments from inner frames do not write here (the builtins).
    frozen: bool,
}

/// Short names compare faster in a loop the compiler inlines than through `memcmp`.
#[inline]
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

impl<'a, V> Frame<'a, V> {
    fn new(parent: Option<Env<'a, V>>) -> Self {
        Frame {
            small: Vec::new(),
            big: None,
            parent,
            frozen: false,
        }
    }

    #[inline]
    fn slot(&mut self, name: &str) -> Option<&mut V> {
        match &mut self.big {
            Some(map) => map.get_mut(name),
            None => self
                .small
                .iter_mut()
                .find(|(k, _)| same(k, name))
                .map(|(_, v)| v),
        }
    }

    #[inline]
    fn lookup(&self, name: &str) -> Option<&V> {
        match &self.big {
            Some(map) => map.get(name),
            None => self
                .small
                .iter()
                .find(|(k, _)| same(k, name))
                .map(|(_, v)| v),
        }
    }

    fn insert(&mut self, name: &'a str, value: V) {
        if let Some(slot) = self.slot(name) {
            *slot = value;
            return;
        }
        match &mut self.big {
            Some(map) => {
                map.insert(name, value);
            }
            None if self.small.len() < SMALL => self.small.push((name, value)),
            None => {
                let mut map: FxHashMap<&'a str, V> = self.small.drain(..).collect();
                map.insert(name, value);
                self.big = Some(map);
            }
        }
    }
}

impl<'a, V: Clone> Env<'a, V> {
    pub fn root() -> Self {
        Env(Rc::new(RefCell::new(Frame::new(None))))
    }

    pub fn child(&self) -> Self {
        Env(Rc::new(RefCell::new(Frame::new(Some(self.clone())))))
    }

    pub fn get(&self, name: &str) -> Option<V> {
        let frame = self.0.borrow();
        match frame.lookup(name) {
            Some(v) => Some(v.clone()),
            None => frame.parent.as_ref()?.get(name),
        }
    }

    /// Make this frame read-only for assignments from inner frames.
    pub fn freeze(&self) {
        self.0.borrow_mut().frozen = true;
    }

    /// Define in this frame (parameters, `let`, declarations).
    pub fn define(&self, name: &'a str, value: V) {
        self.0.borrow_mut().insert(name, value);
    }

    /// Assign to the nearest frame that has the name (below a frozen one), else define it here.
    pub fn assign(&self, name: &'a str, value: V) {
        let mut env = self.clone();
        loop {
            let next = {
                let mut frame = env.0.borrow_mut();
                if frame.frozen {
                    break;
                }
                if let Some(slot) = frame.slot(name) {
                    *slot = value;
                    return;
                }
                frame.parent.clone()
            };
            match next {
                Some(p) => env = p,
                None => break,
            }
        }
        self.define(name, value);
    }

    /// The names defined in this frame, in no particular order.
    pub fn names(&self) -> Vec<&'a str> {
        let frame = self.0.borrow();
        match &frame.big {
            Some(map) => map.keys().copied().collect(),
            None => frame.small.iter().map(|(k, _)| *k).collect(),
        }
    }
}
