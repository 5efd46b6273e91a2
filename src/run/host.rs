//! The host interface of a run: everything a script asks of the world outside itself.
//!
//! A script calls functions the host runtime provides (`[host] functions` in `aether.toml`),
//! invokes plugins the host loads (`plugin: sysmon.status "disk"`, plugins named under
//! `[host] plugins` or `require: plugins:` that are not `.aether` files on the plugin path),
//! names capabilities in declarative positions (`- simulate: growth_curve()`), speaks open
//! verb phrases (`adapt_strategy to "new load"`), fires events nobody in the run handles, and
//! uses the effectful builtins (`notify`, `escalate_to`). All of these go through one
//! [`MockHost`]: it records each as an [`Effect`] and answers with the value `[host.returns]`
//! gives for the name (or `null`). A real host would be a second implementation of the same
//! calls; a run has no other way out.
//!
//! The trace is deterministic: `virtual_time` is the script's own clock (seconds since the
//! run started, advanced by `wait` and by the scheduler), never the wall clock.

use crate::project::host::{Cost, Host};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;

/// What kind of request an effect was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EffectKind {
    /// A call of a function declared under `[host] functions`.
    Host,
    /// A call of a plugin the host provides (`sysmon.status("disk")`, `plugin: ...`).
    Plugin,
    /// A call in a declarative position that nothing in the run defines: a capability the
    /// host is asked for (`- simulate: growth_curve()`).
    Capability,
    /// An open verb phrase or a declared host verb (`adapt_strategy to "new load"`).
    Verb,
    /// An event emitted with no handler in the run: it goes to the host.
    Event,
    /// An effectful builtin (`notify`, `escalate_to`).
    Builtin,
}

impl EffectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EffectKind::Host => "host",
            EffectKind::Plugin => "plugin",
            EffectKind::Capability => "capability",
            EffectKind::Verb => "verb",
            EffectKind::Event => "event",
            EffectKind::Builtin => "builtin",
        }
    }
}

/// One recorded request, as written by `--effects FILE` (one JSON object per line, keys in
/// this order).
#[derive(Clone, Debug, Serialize)]
pub struct Effect {
    pub seq: u64,
    /// Seconds since the run started, on the script's clock.
    pub virtual_time: f64,
    pub kind: EffectKind,
    pub name: String,
    /// The positional arguments, then (when there are any) one object of keyword arguments.
    pub args: serde_json::Value,
    pub result: serde_json::Value,
    pub line: usize,
}

/// The default host: answers from `[host.returns]`, records everything.
#[derive(Default)]
pub struct MockHost {
    host: Host,
    effects: Vec<Effect>,
    spent: Cost,
}

/// A `policy:` budget that an effect would exceed.
pub struct OverBudget {
    pub budget: &'static str,
    pub limit: f64,
    pub spent: f64,
}

impl MockHost {
    pub fn new(host: Host) -> MockHost {
        MockHost {
            host,
            effects: Vec::new(),
            spent: Cost::default(),
        }
    }

    pub fn declared(&self) -> &Host {
        &self.host
    }

    /// Takes `name` as a plugin the host provides (`require: plugins:` names it).
    pub fn provide_plugin(&mut self, name: &str) {
        if !self.host.has_plugin(name) {
            self.host.plugins.push(name.to_string());
        }
    }

    /// The answer for `name`: `[host.returns]` by the full name (`sysmon.status`), then by
    /// its last part (`status`), else `null`.
    pub fn answer(&self, name: &str) -> serde_json::Value {
        self.host
            .returns
            .get(name)
            .or_else(|| {
                name.rsplit_once('.')
                    .and_then(|(_, last)| self.host.returns.get(last))
            })
            .cloned()
            .unwrap_or(serde_json::Value::Null)
    }

    /// Whether `[host.returns]` gives a value for `name` (used for names the host binds).
    pub fn has_answer(&self, name: &str) -> bool {
        self.host.returns.contains_key(name)
    }

    /// Records one request and returns the host's answer. `budgets` are the `policy:`
    /// section's `risk_budget` and `token_budget`, when set: an effect whose declared cost
    /// would exceed one is refused (not recorded).
    pub fn request(
        &mut self,
        kind: EffectKind,
        name: &str,
        args: serde_json::Value,
        virtual_time: f64,
        line: usize,
        budgets: (Option<f64>, Option<f64>),
    ) -> Result<serde_json::Value, OverBudget> {
        if let Some(cost) = self.cost_of(name) {
            let risk = self.spent.risk + cost.risk;
            let tokens = self.spent.tokens + cost.tokens;
            if let Some(limit) = budgets.0.filter(|l| risk > *l) {
                return Err(OverBudget {
                    budget: "risk_budget",
                    limit,
                    spent: risk,
                });
            }
            if let Some(limit) = budgets.1.filter(|l| tokens > *l) {
                return Err(OverBudget {
                    budget: "token_budget",
                    limit,
                    spent: tokens,
                });
            }
            self.spent = Cost { risk, tokens };
        }
        let result = self.answer(name);
        self.effects.push(Effect {
            seq: self.effects.len() as u64 + 1,
            virtual_time: (virtual_time * 1000.0).round() / 1000.0,
            kind,
            name: name.to_string(),
            args,
            result: result.clone(),
            line,
        });
        Ok(result)
    }

    fn cost_of(&self, name: &str) -> Option<Cost> {
        self.host.costs.get(name).copied().or_else(|| {
            name.rsplit_once('.')
                .and_then(|(_, last)| self.host.costs.get(last).copied())
        })
    }

    pub fn effects(&self) -> &[Effect] {
        &self.effects
    }

    pub fn into_effects(self) -> Vec<Effect> {
        self.effects
    }
}

/// A recorded trace, for output.
pub struct Trace<'e>(pub &'e [Effect]);

impl Trace<'_> {
    /// The trace as JSON lines.
    pub fn write_lines(&self, out: &mut dyn Write) -> std::io::Result<()> {
        for e in self.0 {
            let line = serde_json::to_string(e).map_err(std::io::Error::other)?;
            writeln!(out, "{line}")?;
        }
        Ok(())
    }

    /// A short account for people: how many effects of each kind, and the first few.
    pub fn summary(&self) -> String {
        if self.0.is_empty() {
            return String::new();
        }
        let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
        for e in self.0 {
            *by_kind.entry(e.kind.as_str()).or_default() += 1;
        }
        let counts: Vec<String> = by_kind.iter().map(|(k, n)| format!("{n} {k}")).collect();
        let mut s = format!(
            "effects: {} recorded by the mock host ({})\n",
            self.0.len(),
            counts.join(", ")
        );
        const SHOWN: usize = 20;
        for e in self.0.iter().take(SHOWN) {
            let args = match &e.args {
                serde_json::Value::Array(a) => a
                    .iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                other => other.to_string(),
            };
            s.push_str(&format!(
                "  {:>4}  line {:<4} {:<10} {}({args}) -> {}\n",
                format_time(e.virtual_time),
                e.line,
                e.kind.as_str(),
                e.name,
                e.result
            ));
        }
        if self.0.len() > SHOWN {
            s.push_str(&format!(
                "  ... and {} more (write them all with --effects FILE)\n",
                self.0.len() - SHOWN
            ));
        }
        s
    }
}

/// `+0s`, `+30m`, `+6h`, `+1d2h`: a virtual time for the summary.
fn format_time(secs: f64) -> String {
    let s = secs.round() as i64;
    if s < 60 {
        format!("+{s}s")
    } else if s < 3600 {
        format!("+{}m", s / 60)
    } else if s < 86_400 {
        format!("+{}h{:02}", s / 3600, s % 3600 / 60)
    } else {
        format!("+{}d{}h", s / 86_400, s % 86_400 / 3600)
    }
}

/// Parses a duration for `--until`: `24h`, `30m`, `90s`, `2d`, `1w`, or plain seconds.
pub fn parse_duration(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (try 24h, 30m, 90s, 2d)"))?;
    let scale = match unit.trim() {
        "" | "s" | "sec" | "secs" | "seconds" => 1.0,
        "m" | "min" | "mins" | "minutes" => 60.0,
        "h" | "hr" | "hours" => 3600.0,
        "d" | "days" => 86_400.0,
        "w" | "weeks" => 604_800.0,
        _ => return Err(format!("`{text}`: unknown unit (use s, m, h, d or w)")),
    };
    if !n.is_finite() || n < 0.0 {
        return Err(format!("`{text}` is not a duration"));
    }
    Ok(n * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_come_from_returns_by_full_or_last_name() {
        let mut host = Host::default();
        host.returns
            .insert("current_time".into(), serde_json::json!("06:00"));
        host.returns
            .insert("status".into(), serde_json::json!({"state": "ok"}));
        let h = MockHost::new(host);
        assert_eq!(h.answer("current_time"), serde_json::json!("06:00"));
        assert_eq!(
            h.answer("sysmon.status"),
            serde_json::json!({"state": "ok"})
        );
        assert_eq!(h.answer("nothing"), serde_json::Value::Null);
    }

    #[test]
    fn budgets_refuse_the_effect_that_would_exceed_them() {
        let mut host = Host::default();
        host.costs.insert(
            "deploy".into(),
            Cost {
                risk: 0.4,
                tokens: 0.0,
            },
        );
        let mut h = MockHost::new(host);
        let args = serde_json::json!([]);
        let budgets = (Some(1.0), None);
        assert!(h
            .request(EffectKind::Host, "deploy", args.clone(), 0.0, 1, budgets)
            .is_ok());
        assert!(h
            .request(EffectKind::Host, "deploy", args.clone(), 0.0, 2, budgets)
            .is_ok());
        let Err(over) = h.request(EffectKind::Host, "deploy", args, 0.0, 3, budgets) else {
            panic!("the third deploy is over budget");
        };
        assert_eq!(over.budget, "risk_budget");
        assert_eq!(h.effects().len(), 2);
    }

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("24h"), Ok(86_400.0));
        assert_eq!(parse_duration("30m"), Ok(1800.0));
        assert_eq!(parse_duration("90"), Ok(90.0));
        assert_eq!(parse_duration("2d"), Ok(172_800.0));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("3 fortnights").is_err());
    }
}
