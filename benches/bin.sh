# Sourced by the bench scripts: build a release artifact and print its path, wherever cargo
# puts it (CARGO_TARGET_DIR, a workspace target, ...), from cargo's own JSON messages.
#   aether_bin=$(release_executable --bin aether)
#   synth=$(release_executable --example synth_corpus)
release_executable() {
    local path
    path=$(cargo build --release --quiet --message-format=json-render-diagnostics "$@" \
        | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)
    if [ -z "$path" ] || [ ! -x "$path" ]; then
        echo "cargo build --release $* produced no executable" >&2
        return 1
    fi
    printf '%s\n' "$path"
}
