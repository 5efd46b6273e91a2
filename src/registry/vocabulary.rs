//! The verbs of command statements (NeuroCode, English and `$var` dialects, LANGUAGE.md 3.4 and
//! 3.7): `learn from "x"`, `suggest fix for y`, `append item to buffer`, `show variables`.
//!
//! A command line starts with a verb. Verb phrases are open, so a verb that is not listed here
//! (nor a builtin, a name in scope or a `[host] verbs` entry) is fine, except a near miss of a
//! listed verb, which is V002. The list is the verbs seen in real files plus the obvious
//! companions of each family; each entry says what the command does so the interpreter has a
//! definite meaning to implement. The structure of a verb's line (its frame) is grammar and
//! lives in `syntax::frames`.

#[derive(Debug)]
pub struct Verb {
    pub name: &'static str,
    pub doc: &'static str,
}

macro_rules! verbs {
    ($($name:literal $doc:literal;)*) => {
        /// Sorted by name (a test checks it), so lookup is a binary search.
        pub static VERBS: &[Verb] = &[$(Verb { name: $name, doc: $doc }),*];
    };
}

verbs! {
    "adapt" "Adjust behaviour to a condition (`adapt to \"load\"`); recorded in memory.";
    "align" "Align a goal or plan with another (`align plan with goals`).";
    "analyze" "Analyse one or more values (`analyze a.cpu, a.mem`); records the request.";
    "append" "Append a value to a list variable (`append item to buffer`).";
    "apply" "Apply a change, optionally under a condition (`apply fix if \"safe\"`).";
    "autonomous" "Switch an autonomous mode on (`autonomous monitoring`).";
    "backup" "Record a backup request for a store (`backup memory`).";
    "check" "Check a goal or condition (`check goal`, `check health`).";
    "clear" "Clear a list or memory category (`clear buffer`).";
    "collaborate" "Record a collaboration with an agent (`collaborate with \"planner\" on \"x\"`).";
    "connect" "Connect to an agent or service (`connect to \"hub\"`).";
    "coordinate" "Coordinate agents on a task.";
    "create" "Create a named thing (`create file: \"out.txt\"`).";
    "decide" "Record a decision (`decide between a and b`).";
    "detect" "Detect patterns in memory (`detect recurring patterns min_frequency=3`).";
    "develop" "Record a development goal (`develop skill \"x\"`).";
    "emit" "Fire an event with its payload (`emit build_failed(job)`), like `trigger`.";
    "ensure" "Assert a property, with options (`ensure safety priority: absolute`).";
    "establish" "Establish a rule or checkpoint (`establish checkpoints before big_moves`).";
    "evaluate" "Evaluate a value or goal and record the result.";
    "evolve" "Record an evolution step (`evolve strategy`).";
    "execute" "Execute a plan or named step.";
    "expose_command" "Expose a function as an operator command (`expose_command \"x\" -> f`).";
    "goal" "Set the current goal (`goal \"ship v2\"`, `goal status`).";
    "implement" "Record an implementation step.";
    "learn" "Store a lesson in memory (`learn from \"operator feedback\"`).";
    "load" "Load a plugin, module or memory category.";
    "maintain" "Keep a property under watch (`maintain uptime above 99%`).";
    "measure" "Measure and record a metric.";
    "memory" "Memory operations (`memory summary`, `memory clear`).";
    "monitor" "Watch a value (`monitor disks`); as a block header, a trigger.";
    "observe" "Observe and record a value (`observe metrics`).";
    "optimize" "Record an optimisation target (`optimize for \"latency\"`).";
    "pattern" "Query memory for a pattern (`pattern frequency \"timeout\" timeframe=3`).";
    "plan" "Record a plan.";
    "plugin" "Plugin operations (`plugin info sysmon`, `plugin: fetch_json ...`).";
    "reason" "Reason from evidence (`reason from facts`); recorded in memory.";
    "recall" "Read memory entries (`recall notes from last_week`).";
    "refactor" "Record a refactoring request.";
    "reflect" "Reflect on memory (`reflect on tags=\"cache\"`).";
    "reflective" "Start a reflective loop (`reflective loop`).";
    "remember" "Store a value in memory with tags (`remember x as \"tags\"`).";
    "remove" "Remove a value from a list (`remove item from queue`).";
    "repair" "Record a repair attempt (`repair index`).";
    "retry" "Retry the current step, optionally under a condition (`retry if \"slow\"`).";
    "run" "Run a function, plugin or agent (`run warm_cache(\"edge\")`, `run agent \"x\" with $y`).";
    "schedule" "Schedule a named task (`schedule backup every 24h`).";
    "set_goal" "Set the current goal (same as `goal`).";
    "share" "Share a value with another agent.";
    "show" "Print variables, memory or status (`show variables`).";
    "simulate" "Simulate an agent or drill (`simulate agent for 12h`).";
    "speak" "Say a text to the operator.";
    "status" "Print the runtime status.";
    "store" "Store a value (`store $x in memory as \"t\"`).";
    "suggest" "Record a suggestion (`suggest fix for component`).";
    "summarize" "Summarise a value into a variable (`summarize \"day\" into digest`).";
    "sync" "Synchronise state with another agent or store.";
    "tag" "Tag a value (`tag note with \"urgent\"`).";
    "think" "Record a thought (`think about \"round \" + i`).";
    "trigger" "Fire an event (`trigger evt`).";
    "update" "Update a value in a collection (`update x in y`).";
    "use" "Select a plugin or tool (`use plugin \"Indexer\"`, `use sysmon to \"x\"`).";
    "validate" "Validate a value or plan and record the result.";
    "verify" "Check a condition and record the result (`verify result == \"ok\"`).";
    "write" "Write a value to a named sink (`write buffer to disk at \"logs/x.log\"`).";
}

pub fn lookup(name: &str) -> Option<&'static Verb> {
    VERBS
        .binary_search_by(|v| v.name.cmp(name))
        .ok()
        .map(|i| &VERBS[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_and_unique() {
        for w in VERBS.windows(2) {
            assert!(w[0].name < w[1].name, "{} before {}", w[0].name, w[1].name);
        }
        assert!(lookup("learn").is_some());
        assert!(lookup("frobnicate").is_none());
    }
}
