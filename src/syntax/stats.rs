//! `aether parse --stats`: node kinds counted over files, so grammar coverage can be measured
//! on any corpus. Generic fallbacks (free text, the generic command) and `Error` nodes are
//! counted on their own lines.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::PathBuf;

use rustc_hash::FxHashMap;
use serde::ser::{self, Impossible, Serialize, Serializer};

#[derive(Default)]
pub struct Stats {
    pub files: usize,
    pub files_with_errors: usize,
    pub unreadable: usize,
    pub kinds: BTreeMap<String, usize>,
    /// Command lines by dialect: (lines, generic ones).
    pub commands: BTreeMap<&'static str, (usize, usize)>,
}

/// Node kinds that are generic fallbacks rather than specific forms. A command whose verb
/// has a frame (`syntax::frames`) is counted as `FramedCommand`, a specific form.
pub const FALLBACK_KINDS: &[&str] = &["Command", "Phrase"];

/// Statements that are command lines (NeuroCode, English and `$var` dialects).
const COMMAND_LINES: &[&str] = &["Command", "Remember", "Recall", "Think"];

pub fn collect(files: &[PathBuf]) -> Stats {
    let mut s = Stats::default();
    let mut counter = Counter::new();
    for f in files {
        let crate::syntax::source::Loaded::Text(text) = crate::syntax::source::load(f) else {
            s.unreadable += 1;
            continue;
        };
        s.files += 1;
        let parsed = crate::syntax::parse(&text);
        if parsed.has_errors() {
            s.files_with_errors += 1;
        }
        for stmt in &parsed.file.stmts {
            counter.count(stmt);
        }
    }
    counter.finish(&mut s);
    s
}

/// The dialects of command lines, by whether a `Var` node is inside the line.
const DIALECTS: [&str; 2] = ["NeuroCode", "$var"];

/// Counts node kinds by walking the AST's `Serialize` impls, without writing JSON.
///
/// The counts are defined by the AST's JSON form (`aether parse` prints it): every JSON object
/// with a string `"kind"` is a node of that kind, a `Command` object with a `"frame"` key is a
/// `FramedCommand`, and a command line with a `Var` node anywhere inside is of the `$var`
/// dialect. Writing that JSON and scanning it back was 40% of `aether parse --stats`, so this
/// serializer follows the same shapes `serde_json` would write (objects, arrays, strings,
/// other scalars) and keeps only what the scan kept. The scan survives in the tests as the
/// oracle this is checked against.
struct Counter {
    /// Kind names interned to ids, so a node costs one hash lookup and no allocation.
    ids: FxHashMap<Box<str>, u32>,
    counts: Vec<usize>,
    /// `(lines, generic ones)` per entry of `DIALECTS`.
    commands: [(usize, usize); 2],
    command: u32,
    framed: u32,
    var: u32,
    /// Kinds that make a command line (`COMMAND_LINES`, and `FramedCommand`).
    lines: [u32; COMMAND_LINES.len() + 1],
    /// Kinds and command lines of the statement being walked, added to the counts only if the
    /// whole statement serializes: a statement whose JSON could not be written counted nothing.
    staged: Vec<u32>,
    staged_commands: [(usize, usize); 2],
    /// The value being serialized is that of a `"kind"` key: if it is a string, its id goes to
    /// `kind_text`. Any value, string or not, clears this when it starts.
    kind_value: bool,
    kind_text: Option<u32>,
}

impl Counter {
    fn new() -> Self {
        let mut c = Counter {
            ids: FxHashMap::default(),
            counts: Vec::new(),
            commands: Default::default(),
            command: 0,
            framed: 0,
            var: 0,
            lines: [0; COMMAND_LINES.len() + 1],
            staged: Vec::new(),
            staged_commands: Default::default(),
            kind_value: false,
            kind_text: None,
        };
        c.command = c.intern("Command");
        c.framed = c.intern("FramedCommand");
        c.var = c.intern("Var");
        let mut lines = [c.framed; COMMAND_LINES.len() + 1];
        for (slot, k) in lines.iter_mut().zip(COMMAND_LINES) {
            *slot = c.intern(k);
        }
        c.lines = lines;
        c
    }

    fn intern(&mut self, kind: &str) -> u32 {
        if let Some(&id) = self.ids.get(kind) {
            return id;
        }
        let id = self.counts.len() as u32;
        self.ids.insert(kind.into(), id);
        self.counts.push(0);
        id
    }

    /// Counts the nodes of one top-level statement (or of any serializable value).
    fn count<T: Serialize + ?Sized>(&mut self, item: &T) {
        self.staged.clear();
        self.staged_commands = Default::default();
        self.kind_value = false;
        self.kind_text = None;
        if item.serialize(&mut *self).is_err() {
            return;
        }
        for &id in &self.staged {
            self.counts[id as usize] += 1;
        }
        for (total, staged) in self.commands.iter_mut().zip(self.staged_commands) {
            total.0 += staged.0;
            total.1 += staged.1;
        }
    }

    /// Moves the counts into `s`. Kinds interned but never counted (the well-known ones, those
    /// of statements that failed to serialize, kinds overwritten by a later `"kind"` key) are
    /// left out, as the scan never saw them as kinds.
    fn finish(self, s: &mut Stats) {
        for (name, id) in self.ids {
            let n = self.counts[id as usize];
            if n > 0 {
                *s.kinds.entry(name.into_string()).or_default() += n;
            }
        }
        for (dialect, (lines, generic)) in DIALECTS.into_iter().zip(self.commands) {
            if lines > 0 {
                let e = s.commands.entry(dialect).or_default();
                e.0 += lines;
                e.1 += generic;
            }
        }
    }

    /// A value that JSON writes as something other than a string.
    fn scalar(&mut self) -> Result<bool, Unserializable> {
        self.kind_value = false;
        Ok(false)
    }

    /// A value that JSON writes as a string.
    fn string(&mut self, text: &str) -> Result<bool, Unserializable> {
        if std::mem::take(&mut self.kind_value) {
            self.kind_text = Some(self.intern(text));
        }
        Ok(false)
    }

    fn object(&mut self) -> Object<'_> {
        self.kind_value = false;
        Object {
            c: self,
            kind: None,
            frame: false,
            var: false,
            next: Field::Other,
        }
    }

    fn array(&mut self) -> Array<'_> {
        self.kind_value = false;
        Array {
            c: self,
            var: false,
        }
    }
}

/// A key of a JSON object, as far as counting cares.
#[derive(Clone, Copy)]
enum Field {
    Kind,
    Frame,
    Other,
}

impl Field {
    fn of(key: &str) -> Field {
        match key {
            "kind" => Field::Kind,
            "frame" => Field::Frame,
            _ => Field::Other,
        }
    }
}

/// A statement that `serde_json` could not have written: a `Serialize` impl failed (serde's
/// own flatten and tag helpers fail on some shapes), or a map key is not one JSON accepts.
/// The statement is not counted, as the JSON scan never saw it.
#[derive(Debug)]
struct Unserializable;

impl std::fmt::Display for Unserializable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not serializable as JSON")
    }
}

impl std::error::Error for Unserializable {}

impl ser::Error for Unserializable {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Unserializable
    }
}

/// Calls the method-making macro `$make` with the serializer methods of booleans and
/// integers (both serializers treat them alike), then any further `method: type` pairs.
macro_rules! with_integers {
    ($make:ident $(, $method:ident: $t:ty)* $(,)?) => {
        $make! {
            serialize_bool: bool,
            serialize_i8: i8,
            serialize_i16: i16,
            serialize_i32: i32,
            serialize_i64: i64,
            serialize_i128: i128,
            serialize_u8: u8,
            serialize_u16: u16,
            serialize_u32: u32,
            serialize_u64: u64,
            serialize_u128: u128,
            $($method: $t,)*
        }
    };
}

/// Serializer methods of the counter for values JSON writes as something other than a string.
macro_rules! scalars {
    ($($method:ident: $t:ty),* $(,)?) => {$(
        fn $method(self, _: $t) -> Result<bool, Unserializable> {
            self.scalar()
        }
    )*};
}

/// `MapKey` methods for keys JSON writes as strings that are neither `"kind"` nor `"frame"`.
macro_rules! other_keys {
    ($($method:ident: $t:ty),* $(,)?) => {$(
        fn $method(self, _: $t) -> Result<Field, Unserializable> {
            Ok(Field::Other)
        }
    )*};
}

/// The sequence traits, all walked as one JSON array.
macro_rules! array_impls {
    ($($tr:ident::$method:ident),* $(,)?) => {$(
        impl ser::$tr for Array<'_> {
            type Ok = bool;
            type Error = Unserializable;
            fn $method<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Unserializable> {
                self.element(v)
            }
            fn end(self) -> Result<bool, Unserializable> {
                Ok(self.var)
            }
        }
    )*};
}

/// The struct traits, walked as a JSON object with static keys.
macro_rules! struct_impls {
    ($($tr:ident),*) => {$(
        impl ser::$tr for Object<'_> {
            type Ok = bool;
            type Error = Unserializable;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                v: &T,
            ) -> Result<(), Unserializable> {
                self.entry(Field::of(key), v)
            }
            fn end(self) -> Result<bool, Unserializable> {
                self.close()
            }
        }
    )*};
}

/// A float map key: `serde_json` writes a finite one as a string and refuses the others.
fn float_key(finite: bool) -> Result<Field, Unserializable> {
    if finite {
        Ok(Field::Other)
    } else {
        Err(Unserializable)
    }
}

/// The `Ok` of every value is whether a `Var` node is at or inside it, which is what decides a
/// command line's dialect.
impl<'c> Serializer for &'c mut Counter {
    type Ok = bool;
    type Error = Unserializable;
    type SerializeSeq = Array<'c>;
    type SerializeTuple = Array<'c>;
    type SerializeTupleStruct = Array<'c>;
    // `{"Variant": [...]}`: the wrapper object has no string kind, so only the array counts.
    type SerializeTupleVariant = Array<'c>;
    type SerializeMap = Object<'c>;
    type SerializeStruct = Object<'c>;
    // `{"Variant": {...}}`: likewise, only the inner object can have a kind.
    type SerializeStructVariant = Object<'c>;

    // 128-bit integers: serde's default refuses them, `serde_json` writes them. Floats: NaN
    // and infinities are written as `null`, still not a string. Bytes: an array of numbers.
    with_integers!(scalars, serialize_f32: f32, serialize_f64: f64, serialize_bytes: &[u8]);
    fn serialize_char(self, v: char) -> Result<bool, Unserializable> {
        self.string(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<bool, Unserializable> {
        self.string(v)
    }
    fn serialize_none(self) -> Result<bool, Unserializable> {
        self.scalar()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<bool, Unserializable> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<bool, Unserializable> {
        self.scalar()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<bool, Unserializable> {
        self.scalar()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<bool, Unserializable> {
        self.string(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<bool, Unserializable> {
        v.serialize(self)
    }
    // `{"Variant": value}`: an object whose one key is the variant's name.
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<bool, Unserializable> {
        let mut o = self.object();
        o.entry(Field::of(variant), v)?;
        o.close()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Array<'c>, Unserializable> {
        Ok(self.array())
    }
    fn serialize_tuple(self, _: usize) -> Result<Array<'c>, Unserializable> {
        Ok(self.array())
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Array<'c>, Unserializable> {
        Ok(self.array())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Array<'c>, Unserializable> {
        Ok(self.array())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Object<'c>, Unserializable> {
        Ok(self.object())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Object<'c>, Unserializable> {
        Ok(self.object())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Object<'c>, Unserializable> {
        Ok(self.object())
    }
    // Spans are written this way: formatting one only matters when it is the value of a
    // `"kind"` key, which saves formatting every span of the tree.
    fn collect_str<T: std::fmt::Display + ?Sized>(self, v: &T) -> Result<bool, Unserializable> {
        if self.kind_value {
            self.string(&v.to_string())
        } else {
            self.scalar()
        }
    }
}

/// A JSON object being walked.
struct Object<'c> {
    c: &'c mut Counter,
    /// The id of the object's `"kind"`, if the last `"kind"` value was a string.
    kind: Option<u32>,
    frame: bool,
    /// Whether a `Var` node is inside.
    var: bool,
    /// The key of the map entry whose value comes next.
    next: Field,
}

impl Object<'_> {
    fn key(&mut self, key: Field) {
        if let Field::Frame = key {
            self.frame = true;
        }
        self.next = key;
    }

    fn value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Unserializable> {
        let c = &mut *self.c;
        if let Field::Kind = self.next {
            c.kind_value = true;
            self.var |= v.serialize(&mut *c)?;
            // A later `"kind"` replaces an earlier one, and one that is not a string leaves
            // the object without a kind.
            self.kind = c.kind_text.take();
        } else {
            self.var |= v.serialize(&mut *c)?;
        }
        Ok(())
    }

    fn entry<T: Serialize + ?Sized>(&mut self, key: Field, v: &T) -> Result<(), Unserializable> {
        self.key(key);
        self.value(v)
    }

    fn close(self) -> Result<bool, Unserializable> {
        let c = self.c;
        let var = self.var || self.kind == Some(c.var);
        if let Some(kind) = self.kind {
            let kind = if kind == c.command && self.frame {
                c.framed
            } else {
                kind
            };
            c.staged.push(kind);
            if c.lines.contains(&kind) {
                let e = &mut c.staged_commands[usize::from(var)];
                e.0 += 1;
                e.1 += usize::from(kind == c.command);
            }
        }
        Ok(var)
    }
}

// A struct and a struct variant's inner object are JSON objects with static keys.
struct_impls!(SerializeStruct, SerializeStructVariant);

impl ser::SerializeMap for Object<'_> {
    type Ok = bool;
    type Error = Unserializable;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Unserializable> {
        let key = key.serialize(MapKey)?;
        self.key(key);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Unserializable> {
        self.value(v)
    }
    fn end(self) -> Result<bool, Unserializable> {
        self.close()
    }
}

/// A JSON array being walked: it has no kind, but passes on whether a `Var` is inside.
struct Array<'c> {
    c: &'c mut Counter,
    var: bool,
}

impl Array<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Unserializable> {
        self.var |= v.serialize(&mut *self.c)?;
        Ok(())
    }
}

// Every sequence-like shape is a JSON array.
array_impls! {
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field,
}

/// A map key as `serde_json` writes it: strings, chars, unit variants, numbers and booleans
/// become JSON strings (only a `"kind"` or `"frame"` one matters here); anything else, and a
/// non-finite float, makes `serde_json` fail.
struct MapKey;

impl Serializer for MapKey {
    type Ok = Field;
    type Error = Unserializable;
    type SerializeSeq = Impossible<Field, Unserializable>;
    type SerializeTuple = Impossible<Field, Unserializable>;
    type SerializeTupleStruct = Impossible<Field, Unserializable>;
    type SerializeTupleVariant = Impossible<Field, Unserializable>;
    type SerializeMap = Impossible<Field, Unserializable>;
    type SerializeStruct = Impossible<Field, Unserializable>;
    type SerializeStructVariant = Impossible<Field, Unserializable>;

    fn serialize_str(self, v: &str) -> Result<Field, Unserializable> {
        Ok(Field::of(v))
    }
    fn serialize_char(self, v: char) -> Result<Field, Unserializable> {
        Ok(Field::of(v.encode_utf8(&mut [0; 4])))
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Field, Unserializable> {
        Ok(Field::of(variant))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<Field, Unserializable> {
        v.serialize(self)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<Field, Unserializable> {
        v.serialize(self)
    }
    fn collect_str<T: std::fmt::Display + ?Sized>(self, v: &T) -> Result<Field, Unserializable> {
        Ok(Field::of(&v.to_string()))
    }
    // Numbers and booleans become string keys that are neither `"kind"` nor `"frame"`;
    // a non-finite float is refused.
    with_integers!(other_keys);
    fn serialize_f32(self, v: f32) -> Result<Field, Unserializable> {
        float_key(v.is_finite())
    }
    fn serialize_f64(self, v: f64) -> Result<Field, Unserializable> {
        float_key(v.is_finite())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<Field, Unserializable> {
        Err(Unserializable)
    }
    fn serialize_none(self) -> Result<Field, Unserializable> {
        Err(Unserializable)
    }
    fn serialize_unit(self) -> Result<Field, Unserializable> {
        Err(Unserializable)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Field, Unserializable> {
        Err(Unserializable)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Field, Unserializable> {
        Err(Unserializable)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Unserializable> {
        Err(Unserializable)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Unserializable> {
        Err(Unserializable)
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Unserializable> {
        Err(Unserializable)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Unserializable> {
        Err(Unserializable)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Unserializable> {
        Err(Unserializable)
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, Unserializable> {
        Err(Unserializable)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Unserializable> {
        Err(Unserializable)
    }
}

impl Stats {
    pub fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "files: {} ({} with errors, {} unreadable)",
            self.files, self.files_with_errors, self.unreadable
        )?;
        let total: usize = self.kinds.values().sum();
        writeln!(out, "nodes: {total}")?;
        writeln!(out, "\nspecific node kinds:")?;
        for (k, n) in &self.kinds {
            if !FALLBACK_KINDS.contains(&k.as_str()) && k != "Error" {
                writeln!(out, "  {k:<20} {n}")?;
            }
        }
        writeln!(out, "\ngeneric fallbacks:")?;
        for k in FALLBACK_KINDS {
            writeln!(
                out,
                "  {k:<20} {}",
                self.kinds.get(*k).copied().unwrap_or(0)
            )?;
        }
        writeln!(out, "\ncommand lines by dialect (generic share):")?;
        for (dialect, (lines, generic)) in &self.commands {
            let share = if *lines == 0 {
                0.0
            } else {
                100.0 * *generic as f64 / *lines as f64
            };
            writeln!(
                out,
                "  {dialect:<20} {lines} lines, {generic} generic ({share:.1}%)"
            )?;
        }
        writeln!(out, "\nerror nodes:")?;
        writeln!(
            out,
            "  {:<20} {}",
            "Error",
            self.kinds.get("Error").copied().unwrap_or(0)
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::span::Span;
    use serde_json::{json, Value};
    use std::path::Path;

    // The JSON scan that `collect` used before the counter: the definition of what is
    // counted, kept as the oracle.

    /// An object or array open in `scan`.
    #[derive(Default)]
    struct Open<'j> {
        object: bool,
        /// The object's `"kind"`, if its value is a string.
        kind: Option<std::borrow::Cow<'j, str>>,
        /// Whether the object has a `"frame"` key.
        frame: bool,
        /// Whether a node of kind `Var` is inside (or is this object).
        var: bool,
    }

    /// Counts, in the JSON text of one statement, every object's `"kind"` (a `Command` with a
    /// `"frame"` key as `FramedCommand`) and, for command lines, their dialect: a line with a
    /// `Var` node anywhere inside it is of the `$var` dialect.
    fn scan<'j>(
        json: &'j [u8],
        kinds: &mut BTreeMap<String, usize>,
        commands: &mut BTreeMap<&'static str, (usize, usize)>,
    ) {
        let mut open: Vec<Open<'j>> = Vec::new();
        let mut expect_key = false;
        // The value being read is that of a `"kind"` key.
        let mut kind_value = false;
        let mut i = 0;
        while i < json.len() {
            let b = json[i];
            // A value other than a string after `"kind":` leaves the object without a kind.
            if kind_value && !matches!(b, b'"' | b':' | b' ') {
                if let Some(o) = open.last_mut() {
                    o.kind = None;
                }
                kind_value = false;
            }
            match b {
                b'{' | b'[' => {
                    open.push(Open {
                        object: b == b'{',
                        ..Open::default()
                    });
                    expect_key = b == b'{';
                    i += 1;
                }
                b'}' | b']' => {
                    let Some(done) = open.pop() else { return };
                    let var = done.var || done.kind.as_deref() == Some("Var");
                    if let Some(k) = &done.kind {
                        let k: &str = if k == "Command" && done.frame {
                            "FramedCommand"
                        } else {
                            k
                        };
                        match kinds.get_mut(k) {
                            Some(n) => *n += 1,
                            None => {
                                kinds.insert(k.to_string(), 1);
                            }
                        }
                        if COMMAND_LINES.contains(&k) || k == "FramedCommand" {
                            let dialect = if var { "$var" } else { "NeuroCode" };
                            let generic = k == "Command";
                            let e = commands.entry(dialect).or_default();
                            e.0 += 1;
                            e.1 += usize::from(generic);
                        }
                    }
                    if let Some(outer) = open.last_mut() {
                        outer.var |= var;
                    }
                    expect_key = false;
                    i += 1;
                }
                b',' => {
                    expect_key = open.last().is_some_and(|o| o.object);
                    i += 1;
                }
                b'"' => {
                    let start = i + 1;
                    let mut end = start;
                    let mut escaped = false;
                    while end < json.len() && json[end] != b'"' {
                        escaped |= json[end] == b'\\';
                        end += if json[end] == b'\\' { 2 } else { 1 };
                    }
                    let raw = &json[start..end.min(json.len())];
                    i = end + 1;
                    let text: std::borrow::Cow<'j, str> = if escaped {
                        let quoted = &json[start - 1..(end + 1).min(json.len())];
                        serde_json::from_slice::<String>(quoted)
                            .unwrap_or_default()
                            .into()
                    } else {
                        String::from_utf8_lossy(raw)
                    };
                    let Some(o) = open.last_mut() else { continue };
                    if expect_key {
                        expect_key = false;
                        match &*text {
                            "kind" => kind_value = true,
                            "frame" => o.frame = true,
                            _ => {}
                        }
                    } else if kind_value {
                        o.kind = Some(text);
                        kind_value = false;
                    }
                }
                _ => i += 1,
            }
        }
    }

    type Counts = (
        BTreeMap<String, usize>,
        BTreeMap<&'static str, (usize, usize)>,
    );

    fn scanned<T: Serialize>(items: &[T]) -> Counts {
        let (mut kinds, mut commands) = Counts::default();
        let mut json = Vec::new();
        for item in items {
            json.clear();
            if serde_json::to_writer(&mut json, item).is_ok() {
                scan(&json, &mut kinds, &mut commands);
            }
        }
        (kinds, commands)
    }

    fn counted<T: Serialize>(items: &[T]) -> Counts {
        let mut c = Counter::new();
        for item in items {
            c.count(item);
        }
        let mut s = Stats::default();
        c.finish(&mut s);
        (s.kinds, s.commands)
    }

    /// The counter's result, after checking it against the scan.
    fn agree<T: Serialize>(items: &[T]) -> Counts {
        let got = counted(items);
        assert_eq!(got, scanned(items));
        got
    }

    fn kinds(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
        pairs.iter().map(|&(k, n)| (k.to_string(), n)).collect()
    }

    #[test]
    fn counter_agrees_with_json_scan_on_every_corpus_file() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        let mut files = 0;
        let mut all = Counts::default();
        for entry in walkdir::WalkDir::new(&root).sort_by_file_name() {
            let path = entry.unwrap().into_path();
            if path.extension().is_none_or(|e| e != "aether") {
                continue;
            }
            let crate::syntax::source::Loaded::Text(text) = crate::syntax::source::load(&path)
            else {
                continue;
            };
            let stmts = crate::syntax::parse(&text).file.stmts;
            let want = scanned(&stmts);
            assert_eq!(counted(&stmts), want, "{}", path.display());
            files += 1;
            for (k, n) in want.0 {
                *all.0.entry(k).or_default() += n;
            }
            for (d, (lines, generic)) in want.1 {
                let e = all.1.entry(d).or_default();
                e.0 += lines;
                e.1 += generic;
            }
        }
        assert!(files > 300, "only {files} corpus files read");
        // The corpus reaches every rule of the count, so agreeing on it means something.
        for k in [
            "Command",
            "FramedCommand",
            "Var",
            "Remember",
            "Recall",
            "Think",
            "Error",
        ] {
            assert!(all.0.contains_key(k), "no {k} node in the corpus");
        }
        for (dialect, (lines, generic)) in
            [("NeuroCode", all.1["NeuroCode"]), ("$var", all.1["$var"])]
        {
            assert!(
                lines > generic && generic > 0,
                "{dialect}: {lines} lines, {generic} generic"
            );
        }
    }

    #[test]
    fn kind_frame_and_var_follow_the_json_shape() {
        let items = [
            json!({"kind": "Command", "frame": null, "parts": [{"kind": "Var"}]}),
            json!({"kind": "Command", "parts": []}),
            json!({"kind": "Remember", "x": [[{"y": {"kind": "Var"}}]]}),
            json!({"kind": "Think", "var": "Var", "let_kind": "Var"}),
            json!({"kind": 3}),
            json!({"kind": null, "a": {"kind": "Inner"}}),
            json!({"kind": {"kind": "Nested"}}),
            json!({"frame": 1}),
            json!("kind"),
            json!(["kind", "Var"]),
            json!({"kind": "quote\" back\\slash \u{e9}\n"}),
        ];
        let (k, commands) = agree(&items);
        assert_eq!(
            k,
            kinds(&[
                ("Command", 1),
                ("FramedCommand", 1),
                ("Inner", 1),
                ("Nested", 1),
                ("Remember", 1),
                ("Think", 1),
                ("Var", 2),
                ("quote\" back\\slash \u{e9}\n", 1),
            ])
        );
        assert_eq!(
            commands,
            BTreeMap::from([("$var", (2, 0)), ("NeuroCode", (2, 1))])
        );
    }

    /// An object with two `"kind"` keys, which JSON text can hold and derives never write.
    struct TwoKinds<A, B>(A, B);

    impl<A: Serialize, B: Serialize> Serialize for TwoKinds<A, B> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use ser::SerializeStruct;
            let mut o = s.serialize_struct("TwoKinds", 2)?;
            o.serialize_field("kind", &self.0)?;
            o.serialize_field("kind", &self.1)?;
            o.end()
        }
    }

    #[allow(non_camel_case_types)]
    #[derive(serde::Serialize)]
    enum Outer {
        kind(&'static str),
        frame(u8),
        Tuple(u8, Value),
        Struct { kind: &'static str, inner: Value },
        Unit,
    }

    #[test]
    fn the_last_kind_wins_and_only_strings_are_kinds() {
        assert_eq!(agree(&[TwoKinds("A", 1u8)]).0, kinds(&[]));
        assert_eq!(agree(&[TwoKinds(1u8, "B")]).0, kinds(&[("B", 1)]));
        assert_eq!(agree(&[TwoKinds("A", 'C')]).0, kinds(&[("C", 1)]));
        assert_eq!(agree(&[TwoKinds("A", ())]).0, kinds(&[]));
        assert_eq!(agree(&[TwoKinds("A", Some("D"))]).0, kinds(&[("D", 1)]));
        assert_eq!(agree(&[TwoKinds("A", f64::NAN)]).0, kinds(&[]));
        assert_eq!(agree(&[TwoKinds("A", b"E".as_slice())]).0, kinds(&[]));
        assert_eq!(agree(&[TwoKinds(u128::MAX, "F")]).0, kinds(&[("F", 1)]));
        assert_eq!(agree(&[TwoKinds(0, Outer::Unit)]).0, kinds(&[("Unit", 1)]));
        assert_eq!(
            agree(&[TwoKinds(Span::new(1, 2), Span::new(3, 4))]).0,
            kinds(&[("3..4", 1)])
        );
    }

    #[test]
    fn externally_tagged_variants_count_like_their_json() {
        let items = [
            Outer::kind("Recall"),
            Outer::frame(1),
            Outer::Tuple(1, json!({"kind": "Var"})),
            Outer::Struct {
                kind: "Command",
                inner: json!({"kind": "Var"}),
            },
            Outer::Unit,
        ];
        let (k, commands) = agree(&items);
        assert_eq!(k, kinds(&[("Command", 1), ("Recall", 1), ("Var", 2)]));
        assert_eq!(
            commands,
            BTreeMap::from([("$var", (1, 1)), ("NeuroCode", (1, 0))])
        );
    }

    /// Map keys that are enum variants.
    #[allow(non_camel_case_types)]
    #[derive(serde::Serialize, PartialEq, Eq, PartialOrd, Ord)]
    enum Variant {
        kind(&'static str),
        Unit,
    }

    /// Keys of different types in one list of statements.
    #[derive(serde::Serialize)]
    #[serde(untagged)]
    enum AnyKey {
        Int(u8),
        Float(f64),
        Unit(()),
        Optional(Option<u8>),
    }

    /// A map with one entry, for keys no derive writes.
    struct OneEntry<K>(K, Value);

    impl<K: Serialize> Serialize for OneEntry<K> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use ser::SerializeMap;
            let mut m = s.serialize_map(Some(1))?;
            m.serialize_entry(&self.0, &self.1)?;
            m.end()
        }
    }

    #[test]
    fn map_keys_count_as_serde_json_writes_them() {
        assert_eq!(
            agree(&[OneEntry("kind", json!("Command"))]).0,
            kinds(&[("Command", 1)])
        );
        let by_variant = BTreeMap::from([(Variant::Unit, json!("x"))]);
        assert_eq!(agree(&[by_variant]).0, kinds(&[]));
        assert_eq!(agree(&[OneEntry('k', json!("G"))]).0, kinds(&[]));
        assert_eq!(
            agree(&[OneEntry(1.5, json!({"kind": "H"}))]).0,
            kinds(&[("H", 1)])
        );
        assert_eq!(
            agree(&[OneEntry(true, json!({"kind": "J"}))]).0,
            kinds(&[("J", 1)])
        );
        assert_eq!(
            agree(&[OneEntry(Some(7), json!({"kind": "K"}))]).0,
            kinds(&[("K", 1)])
        );
        assert_eq!(
            agree(&[OneEntry(Span::new(0, 1), json!({"kind": "L"}))]).0,
            kinds(&[("L", 1)])
        );
    }

    #[test]
    fn a_statement_json_cannot_hold_counts_nothing() {
        // Each fails after a node was seen: that node is not counted either, and the
        // statements around it are.
        let items = [
            (
                json!({"kind": "Kept"}),
                OneEntry(AnyKey::Int(0), json!(null)),
            ),
            (
                json!({"kind": "Lost"}),
                OneEntry(AnyKey::Float(f64::NAN), json!(null)),
            ),
            (
                json!({"kind": "Lost"}),
                OneEntry(AnyKey::Unit(()), json!(null)),
            ),
            (
                json!({"kind": "Lost"}),
                OneEntry(AnyKey::Optional(None), json!(null)),
            ),
            (
                json!({"kind": "Kept"}),
                OneEntry(AnyKey::Float(1.0), json!(null)),
            ),
        ];
        assert_eq!(agree(&items).0, kinds(&[("Kept", 2)]));
        let keyed_by_variant = BTreeMap::from([(Variant::kind("Lost"), json!({"kind": "Lost"}))]);
        assert_eq!(agree(&[keyed_by_variant]).0, kinds(&[]));
    }
}
