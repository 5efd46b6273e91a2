//! Verb frames: command lines of known verbs parse into an object and preposition slots.
//! The AST snapshots of `corpus/valid` show every frame in place; these tests state the
//! structure of one line per frame family in words.

use aether::syntax::ast::{AssignValue, Command, ExprKind, Part, StmtKind};
use aether::syntax::parse;

/// The frame of the first command of `src`, as `keyword: text of the slot` lines (the object
/// first, as `_`).
fn frame_of(src: &str) -> Vec<String> {
    let parsed = parse(src);
    assert!(!parsed.has_errors(), "{src}: {:?}", parsed.diagnostics);
    let command = first_command(&parsed.file.stmts).expect("a command");
    assert!(command.frame.is_some(), "{src}: no frame");
    command
        .slots()
        .map(|(keyword, parts)| {
            let text: Vec<&str> = parts.iter().map(|p| text_of(src, p)).collect();
            format!("{}: {}", keyword.map_or("_", |k| k.node), text.join(" "))
        })
        .collect()
}

fn first_command<'a>(stmts: &'a [aether::syntax::ast::Stmt<'a>]) -> Option<&'a Command<'a>> {
    stmts.iter().find_map(|s| match &s.node {
        StmtKind::Command { command } => Some(command),
        // `x = recall logs from today`: a command used as a value.
        StmtKind::Assign {
            value: AssignValue::Stmt { stmt },
            ..
        } => first_command(std::slice::from_ref(stmt)),
        _ => None,
    })
}

fn text_of<'s>(src: &'s str, part: &Part<'_>) -> &'s str {
    let span = match part {
        Part::Expr { expr } => expr.span,
        Part::Word { span, .. } => *span,
        Part::Pair { pair } => pair.key.span,
    };
    &src[span.start as usize..span.end as usize]
}

#[test]
fn store_in_memory_as_a_tag() {
    assert_eq!(
        frame_of("store $out in memory as \"daily\"\n"),
        ["_: $out", "in: memory", "as: \"daily\""]
    );
}

#[test]
fn in_is_never_a_membership_test_in_a_framed_command() {
    let src = "update status in tracker to \"done\"\n";
    assert_eq!(frame_of(src), ["_: status", "in: tracker", "to: \"done\""]);
    let parsed = parse(src);
    let command = first_command(&parsed.file.stmts).unwrap();
    assert!(!command.parts.iter().any(|p| matches!(
        p,
        Part::Expr { expr } if matches!(expr.node, ExprKind::Binary { .. })
    )));
}

#[test]
fn run_agent_with_arguments() {
    assert_eq!(
        frame_of("run agent \"Summarizer\" with $log\n"),
        ["_: agent \"Summarizer\"", "with: $log"]
    );
}

#[test]
fn learn_from_a_source_and_suggest_for_an_expression() {
    assert_eq!(
        frame_of("learn from \"operator feedback\"\n"),
        ["_: ", "from: \"operator feedback\""]
    );
    assert_eq!(
        frame_of("suggest fix for component + \" warnings\"\n"),
        ["_: fix", "for: component + \" warnings\""]
    );
}

#[test]
fn append_summarize_and_recall_name_their_targets() {
    assert_eq!(
        frame_of("append item to buffer\n"),
        ["_: item", "to: buffer"]
    );
    assert_eq!(
        frame_of("summarize \"day\" into digest\n"),
        ["_: \"day\"", "into: digest"]
    );
    assert_eq!(
        frame_of("x = recall logs from today where level == \"error\"\n"),
        ["_: logs", "from: today", "where: level == \"error\""]
    );
}

#[test]
fn a_verb_without_slot_words_takes_one_object() {
    assert_eq!(
        frame_of("narrate \"nightly run done\"\n"),
        ["_: \"nightly run done\""]
    );
}

#[test]
fn open_verb_phrases_keep_the_generic_node() {
    let parsed = parse("adapt_strategy to \"new load\"\ncontribute insight(\"x\")\n");
    for s in &parsed.file.stmts {
        let StmtKind::Command { command } = &s.node else {
            panic!("a command: {s:?}");
        };
        assert!(command.frame.is_none(), "{}", command.verb.node);
    }
}

#[test]
fn every_framed_verb_is_a_known_verb_or_builtin() {
    for (verb, _) in aether::syntax::frames::FRAMES {
        assert!(
            aether::registry::vocabulary::lookup(verb).is_some()
                || aether::registry::builtins::lookup(verb).is_some(),
            "{verb} has a frame but no meaning in the registry"
        );
    }
}

/// The value of the first statement's `key: value`.
fn value_of(src: &str) -> aether::syntax::ast::Value<'_> {
    let parsed = parse(src);
    assert!(!parsed.has_errors(), "{src}: {:?}", parsed.diagnostics);
    let stmt = parsed.file.stmts.into_iter().next().expect("a statement");
    match stmt.node {
        StmtKind::Directive { kv, .. } | StmtKind::Entry { kv } => kv.value.expect("a value"),
        other => panic!("{src}: not an entry: {other:?}"),
    }
}

#[test]
fn plugin_directives_invoke_a_dotted_capability_with_arguments() {
    use aether::syntax::ast::Value;
    let src = "plugin: sysmon.status \"disk\" $reply\n";
    let Value::Invoke { invoke, .. } = value_of(src) else {
        panic!("not an invocation");
    };
    assert_eq!(invoke.target.node, "sysmon.status");
    let args: Vec<&str> = invoke.args.iter().map(|p| text_of(src, p)).collect();
    assert_eq!(args, ["\"disk\"", "$reply"]);
    // A call is an ordinary value: `plugin: warm(x)` calls `warm`.
    assert!(matches!(
        value_of("plugin: warm(\"edge\")\n"),
        Value::Expr { .. }
    ));
}

#[test]
fn schedule_phrases_are_periods_and_cadences() {
    use aether::syntax::ast::Value;
    let src = "schedule: every 30 minutes\n";
    let Value::Schedule { schedule, .. } = value_of(src) else {
        panic!("not a schedule");
    };
    assert!(matches!(
        schedule.every.as_deref().map(|e| &e.node),
        Some(ExprKind::Int { value: 30 })
    ));
    assert_eq!(schedule.unit.map(|u| u.node), Some("minutes"));

    let Value::Schedule { schedule, .. } = value_of("run_at: daily at \"06:00\"\n") else {
        panic!("not a schedule");
    };
    assert_eq!(schedule.cadence.map(|c| c.node), Some("daily"));
    assert!(schedule.at.is_some() && schedule.on.is_none());

    let Value::Schedule { schedule, .. } = value_of("trigger: every 24h\n") else {
        panic!("not a schedule");
    };
    assert!(matches!(
        schedule.every.as_deref().map(|e| &e.node),
        Some(ExprKind::Duration { .. })
    ));
    // Free text that merely starts like a schedule stays text.
    assert!(matches!(
        value_of("note: every time it rains\n"),
        Value::Text { .. }
    ));
}
