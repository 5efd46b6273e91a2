//! What the host runtime provides, as a project declares it under `[host]` in `aether.toml`:
//! functions (with or without a signature), command verbs and plugins. The validator resolves
//! these names in every context; no file has to define them.

/// One declared host function. `current_time` accepts any arguments; `has_method(plugin,
/// method)` is checked like a builtin (arity and keywords), `=?` marks an optional parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostFunction {
    pub name: String,
    /// `None` for a bare name (any arguments).
    pub params: Option<Vec<HostParam>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostParam {
    pub name: String,
    pub optional: bool,
    /// `...rest`: any number of further positional and keyword arguments.
    pub rest: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Host {
    pub functions: Vec<HostFunction>,
    pub verbs: Vec<String>,
    pub plugins: Vec<String>,
    /// Values the runtime binds around a script (`cpu`, `current_session`): read in code
    /// without any assignment.
    pub names: Vec<String>,
    /// `[host.returns]`: what the mock host of a run answers for a function, a plugin call
    /// (`"sysmon.status"`) or a name; anything else answers `null`.
    pub returns: std::collections::BTreeMap<String, serde_json::Value>,
    /// `[host.costs]`: what one call of a function or verb costs against a `policy:`
    /// section's `risk_budget` and `token_budget`.
    pub costs: std::collections::BTreeMap<String, Cost>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Cost {
    pub risk: f64,
    pub tokens: f64,
}

impl Host {
    pub fn function(&self, name: &str) -> Option<&HostFunction> {
        self.functions.iter().find(|f| f.name == name)
    }

    pub fn has_verb(&self, name: &str) -> bool {
        self.verbs.iter().any(|v| v == name)
    }

    pub fn has_name(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }

    pub fn has_plugin(&self, name: &str) -> bool {
        self.plugins.iter().any(|p| p == name)
    }
}

impl HostFunction {
    /// Parses one entry of `[host] functions`: `name`, `name()`, `name(a, b=?, ...rest)`.
    pub fn parse(entry: &str) -> Result<HostFunction, String> {
        let entry = entry.trim();
        let (name, params) = match entry.split_once('(') {
            None => (entry, None),
            Some((name, rest)) => {
                let inner = rest
                    .trim_end()
                    .strip_suffix(')')
                    .ok_or_else(|| format!("`{entry}`: the parameter list has no closing `)`"))?;
                let mut params = Vec::new();
                for p in inner.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    let (p, rest) = match p.strip_prefix("...") {
                        Some(p) => (p, true),
                        None => (p, false),
                    };
                    let (p, optional) = match p.strip_suffix("=?") {
                        Some(p) => (p.trim_end(), true),
                        None => (p, rest),
                    };
                    if !is_identifier(p) {
                        return Err(format!("`{entry}`: `{p}` is not a parameter name"));
                    }
                    params.push(HostParam {
                        name: p.to_string(),
                        optional,
                        rest,
                    });
                }
                if let Some(i) = params.iter().position(|p| p.optional && !p.rest) {
                    if let Some(late) = params[i..].iter().find(|p| !p.optional) {
                        return Err(format!(
                            "`{entry}`: required parameter `{}` after an optional one",
                            late.name
                        ));
                    }
                }
                if params.iter().rev().skip(1).any(|p| p.rest) {
                    return Err(format!("`{entry}`: `...rest` must be the last parameter"));
                }
                (name.trim(), Some(params))
            }
        };
        if !is_identifier(name) {
            return Err(format!("`{entry}` is not a function name"));
        }
        Ok(HostFunction {
            name: name.to_string(),
            params,
        })
    }

    /// Parameter names (without the rest parameter), how many are required, and whether
    /// further arguments are accepted, in the shape the validator checks builtins with.
    pub fn signature(&self) -> Option<(Vec<&str>, usize, bool)> {
        let params = self.params.as_ref()?;
        let names = params
            .iter()
            .filter(|p| !p.rest)
            .map(|p| p.name.as_str())
            .collect();
        let required = params.iter().filter(|p| !p.optional).count();
        Some((names, required, params.iter().any(|p| p.rest)))
    }
}

/// The plugin a `require: plugins:` entry names: `"cache_warden>=0.4"` -> `cache_warden`.
pub fn required_plugin(spec: &str) -> &str {
    let spec = spec.trim();
    let end = spec
        .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '/' | '.')))
        .unwrap_or(spec.len());
    &spec[..end]
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_parse_into_signatures() {
        let f = HostFunction::parse("current_time").unwrap();
        assert_eq!(f.params, None);
        let f = HostFunction::parse("notify(channel, message=?)").unwrap();
        assert_eq!(f.signature(), Some((vec!["channel", "message"], 1, false)));
        let f = HostFunction::parse("log_event(kind, ...fields)").unwrap();
        assert_eq!(f.signature(), Some((vec!["kind"], 1, true)));
        let f = HostFunction::parse("tick()").unwrap();
        assert_eq!(f.signature(), Some((vec![], 0, false)));
    }

    #[test]
    fn malformed_entries_are_errors() {
        assert!(HostFunction::parse("notify(channel").is_err());
        assert!(HostFunction::parse("has method").is_err());
        assert!(HostFunction::parse("f(a=?, b)").is_err());
        assert!(HostFunction::parse("f(...a, b)").is_err());
        assert!(HostFunction::parse("f(1x)").is_err());
    }
}
