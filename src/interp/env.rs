//! Lexical environments: one frame per function call, plugin, module or handler; blocks share
//! their function's frame (variables are function-scoped, as the validator assumes).

use super::value::Value;
use rustc_hash::FxHashMap;
use std::cell::RefCell;
use std::rc::Rc;

#[derive(Clone)]
pub struct Env<'a>(Rc<RefCell<Frame<'a>>>);

struct Frame<'a> {
    vars: FxHashMap<&'a str, Value<'a>>,
    parent: Option<Env<'a>>,
}

impl<'a> Env<'a> {
    pub fn root() -> Self {
        Env(Rc::new(RefCell::new(Frame {
            vars: FxHashMap::default(),
            parent: None,
        })))
    }

    pub fn child(&self) -> Self {
        Env(Rc::new(RefCell::new(Frame {
            vars: FxHashMap::default(),
            parent: Some(self.clone()),
        })))
    }

    pub fn get(&self, name: &str) -> Option<Value<'a>> {
        let frame = self.0.borrow();
        match frame.vars.get(name) {
            Some(v) => Some(v.clone()),
            None => frame.parent.as_ref()?.get(name),
        }
    }

    /// Define in this frame (parameters, `let`, declarations).
    pub fn define(&self, name: &'a str, value: Value<'a>) {
        self.0.borrow_mut().vars.insert(name, value);
    }

    /// Assign to the nearest frame that has the name, else define it here.
    pub fn assign(&self, name: &'a str, value: Value<'a>) {
        let mut env = self.clone();
        loop {
            let next = {
                let mut frame = env.0.borrow_mut();
                if let Some(slot) = frame.vars.get_mut(name) {
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
        self.0.borrow().vars.keys().copied().collect()
    }
}
