//! JavaScript-style timers of the brace dialect (`setTimeout`, `setInterval`). A timer set
//! while the script runs fires after the script's body and its plugins have finished, in
//! order of due time (ties in the order they were set), as an event loop would run them.
//! `every N UNIT:` blocks (`events.rs`) are intervals here too. The event loop's clock is
//! always virtual, so waiting for a timer costs no real time; it stops at `--until`.

use super::value::Value;
use crate::syntax::span::Span;

pub(super) struct Timer<'a> {
    pub id: i64,
    /// When it fires, on the interpreter's clock (`Interp::now`).
    pub due: f64,
    /// The order it was set in, to break ties between equal due times.
    seq: u64,
    pub callback: Value<'a>,
    pub args: Vec<Value<'a>>,
    /// `setInterval`: the period in seconds; the timer is set again after each firing.
    pub every: Option<f64>,
    /// The call that set it, for errors inside the callback.
    pub span: Span,
}

#[derive(Default)]
pub(super) struct Timers<'a> {
    pending: Vec<Timer<'a>>,
    next_id: i64,
    next_seq: u64,
    /// The interval being fired, and whether its own callback cleared it.
    firing: Option<(i64, bool)>,
}

impl<'a> Timers<'a> {
    /// Sets a timer and returns its id (ids start at 1, like a browser's).
    pub fn set(
        &mut self,
        now: f64,
        delay_ms: f64,
        callback: Value<'a>,
        args: Vec<Value<'a>>,
        repeat: bool,
        span: Span,
    ) -> i64 {
        // A negative, NaN or missing delay is 0, as in JavaScript.
        let delay = if delay_ms.is_finite() && delay_ms > 0.0 {
            delay_ms / 1000.0
        } else {
            0.0
        };
        self.arm(now + delay, repeat.then_some(delay), callback, args, span)
    }

    /// A repeating timer first due at `due`, then every `period` seconds (a schedule).
    pub fn set_at(
        &mut self,
        due: f64,
        period: f64,
        callback: Value<'a>,
        args: Vec<Value<'a>>,
        span: Span,
    ) -> i64 {
        self.arm(due, Some(period), callback, args, span)
    }

    fn arm(
        &mut self,
        due: f64,
        every: Option<f64>,
        callback: Value<'a>,
        args: Vec<Value<'a>>,
        span: Span,
    ) -> i64 {
        self.next_id += 1;
        let id = self.next_id;
        self.push(Timer {
            id,
            due,
            seq: 0,
            callback,
            args,
            every,
            span,
        });
        id
    }

    fn push(&mut self, mut timer: Timer<'a>) {
        self.next_seq += 1;
        timer.seq = self.next_seq;
        self.pending.push(timer);
    }

    /// Cancels a timer; an unknown or already fired id is ignored.
    pub fn clear(&mut self, id: i64) {
        self.pending.retain(|t| t.id != id);
        if let Some((firing, cleared)) = &mut self.firing {
            *cleared |= *firing == id;
        }
    }

    /// Removes and returns the timer that fires next.
    pub fn next(&mut self) -> Option<Timer<'a>> {
        let i = self
            .pending
            .iter()
            .enumerate()
            .min_by(|(_, a), (_, b)| a.due.total_cmp(&b.due).then(a.seq.cmp(&b.seq)))
            .map(|(i, _)| i)?;
        let timer = self.pending.swap_remove(i);
        self.firing = Some((timer.id, false));
        Some(timer)
    }

    /// After a timer's callback: sets an interval again, one period after it was due,
    /// unless the callback cleared it.
    pub fn again(&mut self, mut timer: Timer<'a>) {
        let cleared = self.firing.take().is_some_and(|(_, cleared)| cleared);
        if let (Some(every), false) = (timer.every, cleared) {
            timer.due += every;
            self.push(timer);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timers_fire_by_due_time_then_by_order_set() {
        let mut t = Timers::default();
        let s = Span::empty(0);
        let a = t.set(0.0, 500.0, Value::Null, vec![], false, s);
        let b = t.set(0.0, 100.0, Value::Null, vec![], false, s);
        let c = t.set(0.0, 100.0, Value::Null, vec![], false, s);
        let d = t.set(0.0, 300.0, Value::Null, vec![], false, s);
        t.clear(d);
        let order: Vec<i64> = std::iter::from_fn(|| t.next().map(|x| x.id)).collect();
        assert_eq!(order, vec![b, c, a]);
    }

    #[test]
    fn an_interval_comes_back_until_cleared() {
        let mut t = Timers::default();
        let id = t.set(0.0, 1000.0, Value::Null, vec![], true, Span::empty(0));
        let first = t.next().unwrap();
        assert_eq!(first.due, 1.0);
        t.again(first);
        assert_eq!(t.next().map(|x| x.due), Some(2.0));
        t.clear(id);
        assert!(t.next().is_none());
    }

    #[test]
    fn an_interval_may_clear_itself_while_it_fires() {
        let mut t = Timers::default();
        let id = t.set(0.0, 10.0, Value::Null, vec![], true, Span::empty(0));
        let firing = t.next().unwrap();
        t.clear(id);
        t.again(firing);
        assert!(t.next().is_none());
    }
}
