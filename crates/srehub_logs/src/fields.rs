//! The structured fields of a record, stored compactly: names and text values live in one buffer —
//! for JSON and logfmt lines a copy of the line itself, the fields pointing into it — and numbers and
//! booleans are typed. Reading a line's fields copies the line once instead of building a string per
//! key and per value.

use compact_str::CompactString;
use serde::Serialize;
use serde::ser::SerializeSeq;

use crate::record::FieldValue;

/// A field value as read from a [`FieldList`] (text borrowed from the list).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum FieldRef<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'a str),
}

impl FieldRef<'_> {
    /// The value as text (strings without quotes), as used by filters and template parameters.
    pub fn to_text(&self) -> String {
        match self {
            FieldRef::Null => String::new(),
            FieldRef::Bool(b) => b.to_string(),
            FieldRef::Int(i) => i.to_string(),
            FieldRef::Float(f) => f.to_string(),
            FieldRef::Str(s) => (*s).to_string(),
        }
    }

    /// The owned value.
    pub fn to_owned_value(&self) -> FieldValue {
        match *self {
            FieldRef::Null => FieldValue::Null,
            FieldRef::Bool(b) => FieldValue::Bool(b),
            FieldRef::Int(i) => FieldValue::Int(i),
            FieldRef::Float(f) => FieldValue::Float(f),
            FieldRef::Str(s) => FieldValue::Str(s.into()),
        }
    }
}

impl FieldValue {
    /// The value as a [`FieldRef`].
    pub fn as_field_ref(&self) -> FieldRef<'_> {
        match self {
            FieldValue::Null => FieldRef::Null,
            FieldValue::Bool(b) => FieldRef::Bool(*b),
            FieldValue::Int(i) => FieldRef::Int(*i),
            FieldValue::Float(f) => FieldRef::Float(*f),
            FieldValue::Str(s) => FieldRef::Str(s),
        }
    }
}

/// Where a piece of text is in the list's buffer.
type Span = (u32, u32);

#[derive(Debug, Clone, Copy)]
enum Slot {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Span),
}

#[derive(Debug, Clone, Copy)]
struct Item {
    key: Span,
    value: Slot,
}

/// The fields of a record, in input order (see the [module docs](self)). Equality, `Debug` and
/// serialization go by the fields (name and value pairs), not by how they are stored.
#[derive(Clone, Default)]
pub struct FieldList {
    text: String,
    items: Vec<Item>,
    /// Bytes at the start of `text` that are a copy of the text the fields were read from.
    base: u32,
}

impl FieldList {
    pub fn new() -> FieldList {
        FieldList::default()
    }

    /// A list over `base` (the text the fields are read from): keys and values that are slices of
    /// `base` are then stored as positions ([`FieldList::push_in_base`]).
    pub(crate) fn over(base: &str) -> FieldList {
        let mut list = FieldList {
            text: String::with_capacity(base.len() + 32),
            items: Vec::with_capacity(12),
            base: 0,
        };
        list.reuse_over(base);
        list
    }

    /// Makes this list hold the fields of `base` next (its fields are dropped, its allocations
    /// kept).
    pub(crate) fn reuse_over(&mut self, base: &str) {
        self.items.clear();
        self.text.clear();
        // Positions are 32-bit: the fields of a longer text (over 4 GiB) are kept as copies.
        self.base = match u32::try_from(base.len()) {
            Ok(n) => {
                self.text.push_str(base);
                n
            }
            Err(_) => 0,
        };
    }

    /// The position of `s` in the copy of `base`, when `s` is a slice of `base` (the text this
    /// list was made [`over`](FieldList::over)).
    #[inline(always)]
    fn in_base(&self, base: &str, s: &str) -> Option<Span> {
        let off = (s.as_ptr() as usize).wrapping_sub(base.as_ptr() as usize);
        let end = off.wrapping_add(s.len());
        if off <= end && end <= self.base as usize && base.len() == self.base as usize {
            Some((off as u32, end as u32))
        } else {
            None
        }
    }

    /// Stores `s`: its position when it is a slice of `base`, a copy otherwise.
    #[inline(always)]
    fn place(&mut self, base: &str, s: &str) -> Span {
        match self.in_base(base, s) {
            Some(span) => span,
            None => self.add_text(s),
        }
    }

    #[inline]
    fn add_text(&mut self, s: &str) -> Span {
        let start = self.text.len();
        self.text.push_str(s);
        // Positions past 4 GiB cannot be stored: such a value is cut to nothing rather than wrong.
        match (u32::try_from(start), u32::try_from(self.text.len())) {
            (Ok(a), Ok(b)) => (a, b),
            _ => (0, 0),
        }
    }

    #[inline(always)]
    fn slot(&mut self, base: &str, value: FieldRef<'_>) -> Slot {
        match value {
            FieldRef::Null => Slot::Null,
            FieldRef::Bool(b) => Slot::Bool(b),
            FieldRef::Int(i) => Slot::Int(i),
            FieldRef::Float(f) => Slot::Float(f),
            FieldRef::Str(s) => Slot::Str(self.place(base, s)),
        }
    }

    /// Adds a field whose key and text value may be slices of `base` (see [`FieldList::over`]).
    #[inline(always)]
    pub(crate) fn push_in_base(&mut self, base: &str, key: &str, value: FieldRef<'_>) {
        let key = self.place(base, key);
        let value = self.slot(base, value);
        self.items.push(Item { key, value });
    }

    /// Inserts a field at `at` (at most the number of fields).
    pub(crate) fn insert_in_base(&mut self, at: usize, base: &str, key: &str, value: FieldRef<'_>) {
        let key = self.place(base, key);
        let value = self.slot(base, value);
        self.items
            .insert(at.min(self.items.len()), Item { key, value });
    }

    /// Adds a field.
    pub fn push(&mut self, (key, value): (CompactString, FieldValue)) {
        self.push_ref(&key, value.as_field_ref());
    }

    /// Adds a field from borrowed parts.
    pub fn push_ref(&mut self, key: &str, value: FieldRef<'_>) {
        self.push_in_base("", key, value);
    }

    /// Adds every field of `other` after these.
    pub fn append(&mut self, other: &FieldList) {
        self.items.reserve(other.len());
        for (k, v) in other {
            self.push_ref(k, v);
        }
    }

    /// Bytes allocated (to bound what is kept for reuse).
    pub(crate) fn capacity_bytes(&self) -> usize {
        self.text.capacity() + self.items.capacity() * std::mem::size_of::<Item>()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Removes every field, keeping the copy of the base text.
    pub(crate) fn reset(&mut self) {
        self.items.clear();
        self.text.truncate(self.base as usize);
    }

    #[inline]
    fn text_at(&self, (a, b): Span) -> &str {
        self.text.get(a as usize..b as usize).unwrap_or("")
    }

    #[inline]
    fn value_of(&self, slot: Slot) -> FieldRef<'_> {
        match slot {
            Slot::Null => FieldRef::Null,
            Slot::Bool(b) => FieldRef::Bool(b),
            Slot::Int(i) => FieldRef::Int(i),
            Slot::Float(f) => FieldRef::Float(f),
            Slot::Str(span) => FieldRef::Str(self.text_at(span)),
        }
    }

    /// The fields in order, as name and value.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            list: self,
            items: self.items.iter(),
        }
    }

    /// The first field named `name`.
    pub fn get(&self, name: &str) -> Option<FieldRef<'_>> {
        self.iter().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    /// The fields as owned pairs.
    pub fn to_vec(&self) -> Vec<(CompactString, FieldValue)> {
        self.iter()
            .map(|(k, v)| (CompactString::from(k), v.to_owned_value()))
            .collect()
    }
}

/// The fields of a [`FieldList`], in order.
#[derive(Debug, Clone)]
pub struct Iter<'l> {
    list: &'l FieldList,
    items: std::slice::Iter<'l, Item>,
}

impl<'l> Iterator for Iter<'l> {
    type Item = (&'l str, FieldRef<'l>);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let it = self.items.next()?;
        Some((self.list.text_at(it.key), self.list.value_of(it.value)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.items.size_hint()
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'l> IntoIterator for &'l FieldList {
    type Item = (&'l str, FieldRef<'l>);
    type IntoIter = Iter<'l>;

    fn into_iter(self) -> Iter<'l> {
        self.iter()
    }
}

impl From<Vec<(CompactString, FieldValue)>> for FieldList {
    fn from(v: Vec<(CompactString, FieldValue)>) -> FieldList {
        let mut list = FieldList::new();
        list.items.reserve(v.len());
        for (k, value) in &v {
            list.push_ref(k, value.as_field_ref());
        }
        list
    }
}

impl FromIterator<(CompactString, FieldValue)> for FieldList {
    fn from_iter<I: IntoIterator<Item = (CompactString, FieldValue)>>(iter: I) -> FieldList {
        let mut list = FieldList::new();
        for f in iter {
            list.push(f);
        }
        list
    }
}

impl PartialEq for FieldList {
    fn eq(&self, other: &FieldList) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl PartialEq<Vec<(CompactString, FieldValue)>> for FieldList {
    fn eq(&self, other: &Vec<(CompactString, FieldValue)>) -> bool {
        self.len() == other.len()
            && self
                .iter()
                .zip(other)
                .all(|((k, v), (ok, ov))| k == ok.as_str() && v == ov.as_field_ref())
    }
}

impl std::fmt::Debug for FieldList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for FieldList {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.len()))?;
        for pair in self.iter() {
            seq.serialize_element(&pair)?;
        }
        seq.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_over_a_line_point_into_its_copy_and_others_are_copied() {
        let line = String::from("a=1 msg=hello");
        let mut f = FieldList::over(&line);
        f.push_in_base(&line, &line[0..1], FieldRef::Int(1));
        f.push_in_base(&line, &line[4..7], FieldRef::Str(&line[8..]));
        // Not slices of the line: copied after it.
        f.push_in_base(&line, "nested.key", FieldRef::Str("decoded \"text\""));
        f.insert_in_base(0, &line, "level", FieldRef::Str("info"));
        assert_eq!(f.text.len(), line.len() + "nested.key".len() + 14 + 5 + 4);
        let pairs: Vec<_> = f.iter().collect();
        assert_eq!(
            pairs,
            vec![
                ("level", FieldRef::Str("info")),
                ("a", FieldRef::Int(1)),
                ("msg", FieldRef::Str("hello")),
                ("nested.key", FieldRef::Str("decoded \"text\"")),
            ]
        );
        assert_eq!(f.get("msg"), Some(FieldRef::Str("hello")));
        assert_eq!(f.get("nope"), None);
        // Equality and serialization go by the fields, whatever the storage.
        let owned: FieldList = f.to_vec().into();
        assert_eq!(owned, f);
        assert_eq!(f, f.to_vec());
        assert_eq!(
            serde_json::to_string(&f).unwrap_or_default(),
            r#"[["level","info"],["a",1],["msg","hello"],["nested.key","decoded \"text\""]]"#
        );
        // A slice of another string with the same length is not taken for the base.
        let other = String::from("a=1 msg=hello");
        let mut g = FieldList::over(&line);
        g.push_in_base(&line, &other[4..7], FieldRef::Null);
        assert_eq!(g.iter().next(), Some(("msg", FieldRef::Null)));
        assert_eq!(g.text.len(), line.len() + 3);
    }
}
