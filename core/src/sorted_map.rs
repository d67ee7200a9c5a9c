//! A map and a set kept as one sorted vector: what the rules use instead of `BTreeMap` and
//! `BTreeSet`.
//!
//! A member's maps are short (the days of a few cycles, a handful of badges, the ids of the
//! operations applied) and are read far more than they are written. A B-tree brings node
//! splitting, merging and stealing code for every key and value type it holds: about 32 KB of
//! the widgets' wasm across the ten maps and sets of the rules. A sorted vector needs a binary
//! search and `Vec::insert`, is faster to look up, clone and compare at these sizes, and
//! iterates and serialises in the same key order, so the JSON is the same.

use std::borrow::Borrow;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Range;

use serde::de::{MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A map ordered by key, one entry per key.
#[derive(Clone, PartialEq, Eq)]
pub struct SortedMap<K, V> {
    entries: Vec<(K, V)>,
}

/// The entries of a [`SortedMap`], in key order.
pub type Iter<'a, K, V> =
    std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;

impl<K, V> SortedMap<K, V> {
    /// An empty map.
    pub const fn new() -> Self {
        Self {
            entries: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries in key order.
    pub fn iter(&self) -> Iter<'_, K, V> {
        iter_of(&self.entries)
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator {
        self.entries.iter().map(|(k, _)| k)
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

impl<K: Ord, V> SortedMap<K, V> {
    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.entries.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|at| &self.entries[at].1)
    }

    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|at| &mut self.entries[at].1)
    }

    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.find(key).is_ok()
    }

    /// Sets `key` to `value`; the value it had, if any.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(at) => Some(std::mem::replace(&mut self.entries[at].1, value)),
            Err(at) => {
                self.entries.insert(at, (key, value));
                None
            }
        }
    }

    /// The value of `key`, inserted from `make` first when there is none (`BTreeMap`'s
    /// `entry(key).or_insert_with(make)`).
    pub fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        let at = match self.find(&key) {
            Ok(at) => at,
            Err(at) => {
                self.entries.insert(at, (key, make()));
                at
            }
        };
        &mut self.entries[at].1
    }

    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|at| self.entries.remove(at).1)
    }

    /// The entries whose keys lie in `range`, in key order.
    pub fn range(&self, range: Range<K>) -> Iter<'_, K, V> {
        let start = self.entries.partition_point(|(k, _)| *k < range.start);
        let end = self.entries.partition_point(|(k, _)| *k < range.end);
        iter_of(&self.entries[start..end.max(start)])
    }
}

impl<K: Ord, V> SortedMap<K, V> {
    /// The map of `entries` given in any order; of entries with equal keys the last stays, as
    /// in `BTreeMap`. Entries already in order (every map Siyu writes) take one pass; others
    /// one merge sort, so that a request's map in reverse order costs n log n, not the n²
    /// of inserting one by one.
    ///
    /// In WebAssembly (the widgets, the JavaScript package) entries are inserted one by one
    /// instead: they read only maps that Siyu wrote, in order, and the merge costs ~1 KB of
    /// gzip across the map types there. The server, which reads strangers' requests, sorts.
    fn from_entries(entries: impl IntoIterator<Item = (K, V)>) -> Self {
        #[cfg(target_arch = "wasm32")]
        {
            let mut map = Self::new();
            for (key, value) in entries {
                map.insert(key, value);
            }
            map
        }
        #[cfg(not(target_arch = "wasm32"))]
        Self::sorted(entries.into_iter().collect())
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn sorted(mut entries: Vec<(K, V)>) -> Self {
        if entries.windows(2).all(|pair| pair[0].0 < pair[1].0) {
            return Self { entries };
        }
        let order = stable_order(entries.len(), &|a, b| entries[a].0 < entries[b].0);
        arrange(order, &mut |a, b| entries.swap(a, b));
        // Equal keys lie side by side in arrival order: the kept first takes each later value.
        entries.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                std::mem::swap(&mut later.1, &mut kept.1);
            }
            same
        });
        Self { entries }
    }
}

/// The positions `0..len` sorted stably by `less` (a bottom-up merge sort of positions): one
/// copy of the sort for every element type.
#[cfg(not(target_arch = "wasm32"))]
fn stable_order(len: usize, less: &dyn Fn(usize, usize) -> bool) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    let mut merged = vec![0; len];
    let mut width = 1;
    while width < len {
        let mut start = 0;
        while start < len {
            let middle = (start + width).min(len);
            let end = (start + 2 * width).min(len);
            let (mut left, mut right) = (start, middle);
            for slot in &mut merged[start..end] {
                // Equal keys keep their order: the left run's first.
                let take_right = right < end && (left == middle || less(order[right], order[left]));
                if take_right {
                    *slot = order[right];
                    right += 1;
                } else {
                    *slot = order[left];
                    left += 1;
                }
            }
            start = end;
        }
        std::mem::swap(&mut order, &mut merged);
        width *= 2;
    }
    order
}

/// Puts the element at `order[i]` at position `i` for every `i`, by swaps.
#[cfg(not(target_arch = "wasm32"))]
fn arrange(order: Vec<usize>, swap: &mut dyn FnMut(usize, usize)) {
    // Where each element must go; swapping it there settles one element a swap.
    let mut destination = vec![0; order.len()];
    for (at, &from) in order.iter().enumerate() {
        destination[from] = at;
    }
    for at in 0..destination.len() {
        while destination[at] != at {
            let to = destination[at];
            swap(at, to);
            destination.swap(at, to);
        }
    }
}

/// The items `next` reads until it has no more, as an iterator; the first error it meets ends
/// the iteration and is left in `error`.
fn until_error<'a, T, E>(
    error: &'a mut Option<E>,
    mut next: impl FnMut() -> Result<Option<T>, E> + 'a,
) -> impl Iterator<Item = T> + 'a {
    std::iter::from_fn(move || {
        next().unwrap_or_else(|e| {
            *error = Some(e);
            None
        })
    })
}

fn iter_of<K, V>(entries: &[(K, V)]) -> Iter<'_, K, V> {
    entries.iter().map(|(k, v)| (k, v))
}

impl<K, V> Default for SortedMap<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for SortedMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for SortedMap<K, V> {
    /// Later entries replace earlier ones with the same key, as in `BTreeMap`.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(entries: I) -> Self {
        Self::from_entries(entries)
    }
}

impl<K: Ord, V, const N: usize> From<[(K, V); N]> for SortedMap<K, V> {
    fn from(entries: [(K, V); N]) -> Self {
        entries.into_iter().collect()
    }
}

impl<K: Ord + Borrow<Q>, Q: Ord + ?Sized, V> std::ops::Index<&Q> for SortedMap<K, V> {
    type Output = V;

    /// The value of `key`; panics when there is none, as `BTreeMap` does.
    fn index(&self, key: &Q) -> &V {
        self.get(key).expect("no entry for the key")
    }
}

impl<'a, K, V> IntoIterator for &'a SortedMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<K, V> IntoIterator for SortedMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<K: Serialize, V: Serialize> Serialize for SortedMap<K, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (key, value) in self {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl<'de, K: Deserialize<'de> + Ord, V: Deserialize<'de>> Deserialize<'de> for SortedMap<K, V> {
    /// A JSON object in any key order; a repeated key keeps its last value, as `BTreeMap` does.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<K, V>(PhantomData<(K, V)>);

        impl<'de, K: Deserialize<'de> + Ord, V: Deserialize<'de>> Visitor<'de> for MapVisitor<K, V> {
            type Value = SortedMap<K, V>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut error = None;
                let map = SortedMap::from_entries(until_error(&mut error, || access.next_entry()));
                error.map_or(Ok(map), Err)
            }
        }

        deserializer.deserialize_map(MapVisitor(PhantomData))
    }
}

/// A set ordered by value, each value once.
#[derive(Clone, PartialEq, Eq)]
pub struct SortedSet<T> {
    items: Vec<T>,
}

impl<T> SortedSet<T> {
    /// An empty set.
    pub const fn new() -> Self {
        Self { items: Vec::new() }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The values in order.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }
}

impl<T: Ord> SortedSet<T> {
    pub fn contains<Q: Ord + ?Sized>(&self, value: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        self.items
            .binary_search_by(|item| item.borrow().cmp(value))
            .is_ok()
    }

    /// Adds `value`; false when it was there already.
    pub fn insert(&mut self, value: T) -> bool {
        crate::sorted::insert_unique(&mut self.items, value)
    }

    /// The values that lie in `range`, in order.
    pub fn range(&self, range: Range<T>) -> std::slice::Iter<'_, T> {
        let start = self.items.partition_point(|item| *item < range.start);
        let end = self.items.partition_point(|item| *item < range.end);
        self.items[start..end.max(start)].iter()
    }
}

impl<T: Ord> SortedSet<T> {
    /// The set of `items` given in any order, each once (the first of equal ones, as in
    /// `BTreeSet`); n log n at worst, as for [`SortedMap`].
    /// (In WebAssembly one by one instead, as for [`SortedMap`]'s entries.)
    fn from_items(items: impl IntoIterator<Item = T>) -> Self {
        #[cfg(target_arch = "wasm32")]
        {
            let mut set = Self::new();
            set.extend(items);
            set
        }
        #[cfg(not(target_arch = "wasm32"))]
        Self::sorted(items.into_iter().collect())
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn sorted(mut items: Vec<T>) -> Self {
        if items.windows(2).all(|pair| pair[0] < pair[1]) {
            return Self { items };
        }
        let order = stable_order(items.len(), &|a, b| items[a] < items[b]);
        arrange(order, &mut |a, b| items.swap(a, b));
        items.dedup();
        Self { items }
    }
}

impl<T> Default for SortedSet<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: fmt::Debug> fmt::Debug for SortedSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl<T: Ord> FromIterator<T> for SortedSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        Self::from_items(items)
    }
}

impl<T: Ord, const N: usize> From<[T; N]> for SortedSet<T> {
    fn from(items: [T; N]) -> Self {
        items.into_iter().collect()
    }
}

impl<'a, T> IntoIterator for &'a SortedSet<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<T: Ord> Extend<T> for SortedSet<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, items: I) {
        for item in items {
            self.insert(item);
        }
    }
}

impl<T> IntoIterator for SortedSet<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<T: Serialize> Serialize for SortedSet<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
        for item in self {
            seq.serialize_element(item)?;
        }
        seq.end()
    }
}

impl<'de, T: Deserialize<'de> + Ord> Deserialize<'de> for SortedSet<T> {
    /// A JSON array in any order; repeats are kept once, as `BTreeSet` does.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SetVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de> + Ord> Visitor<'de> for SetVisitor<T> {
            type Value = SortedSet<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sequence")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut error = None;
                let set = SortedSet::from_items(until_error(&mut error, || access.next_element()));
                error.map_or(Ok(set), Err)
            }
        }

        deserializer.deserialize_seq(SetVisitor(PhantomData))
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Any sequence of inserts and removes leaves the map holding what a `BTreeMap` holds,
        /// in the same order, and both serialise to the same JSON.
        #[test]
        fn the_map_behaves_as_a_btree_map(steps in prop::collection::vec((any::<bool>(), 0u8..40, any::<u16>()), 0..200)) {
            let mut sorted = SortedMap::new();
            let mut btree = BTreeMap::new();
            for (insert, key, value) in steps {
                if insert {
                    prop_assert_eq!(sorted.insert(key, value), btree.insert(key, value));
                } else {
                    prop_assert_eq!(sorted.remove(&key), btree.remove(&key));
                }
                prop_assert_eq!(sorted.get(&key), btree.get(&key));
            }
            prop_assert_eq!(sorted.len(), btree.len());
            prop_assert!(sorted.iter().eq(btree.iter()));
            prop_assert!(sorted.range(10..30).eq(btree.range(10..30)));
            // Where `BTreeMap` panics, a reversed range holds nothing.
            #[allow(clippy::reversed_empty_ranges)]
            let reversed = 30..10;
            prop_assert!(sorted.range(reversed).next().is_none());
            let json = serde_json::to_string(&sorted).unwrap();
            prop_assert_eq!(&json, &serde_json::to_string(&btree).unwrap());
            let read: SortedMap<u8, u16> = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(read, sorted);
        }

        /// Entries in any order, with repeated keys, are read as a `BTreeMap` reads them.
        #[test]
        fn entries_in_any_order_make_the_btree_map(entries in prop::collection::vec((0u8..40, any::<u16>()), 0..200)) {
            let sorted: SortedMap<u8, u16> = entries.iter().copied().collect();
            let btree: BTreeMap<u8, u16> = entries.iter().copied().collect();
            prop_assert!(sorted.iter().eq(btree.iter()));
            let items: SortedSet<u8> = entries.iter().map(|(k, _)| *k).collect();
            prop_assert!(items.iter().eq(btree.keys()));
        }

        #[test]
        fn the_set_behaves_as_a_btree_set(items in prop::collection::vec(0u8..40, 0..100)) {
            let mut sorted = SortedSet::new();
            let mut btree = BTreeSet::new();
            for item in items {
                prop_assert_eq!(sorted.insert(item), btree.insert(item));
            }
            prop_assert!(sorted.iter().eq(btree.iter()));
            prop_assert!(sorted.range(5..25).eq(btree.range(5..25)));
            let json = serde_json::to_string(&sorted).unwrap();
            prop_assert_eq!(&json, &serde_json::to_string(&btree).unwrap());
            let read: SortedSet<u8> = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(read, sorted);
        }
    }

    #[test]
    fn keys_in_any_order_are_read_sorted_and_a_repeated_key_keeps_its_last_value() {
        let map: SortedMap<String, u8> = serde_json::from_str(r#"{"b":1,"a":2,"b":3}"#).unwrap();
        assert_eq!(
            map.iter().collect::<Vec<_>>(),
            [(&"a".to_owned(), &2), (&"b".to_owned(), &3)]
        );
        let set: SortedSet<u8> = serde_json::from_str("[3,1,3,2]").unwrap();
        assert_eq!(set.iter().copied().collect::<Vec<_>>(), [1, 2, 3]);
    }

    #[test]
    fn a_large_map_in_reverse_order_is_read_whole_and_sorted() {
        // Inserted one by one at the front, these would move ~1.25 billion entries; the merge
        // sort reads them in n log n.
        let json = format!(
            "{{{}}}",
            (0..50_000)
                .rev()
                .map(|k| format!("\"{k:05}\":{k}"))
                .collect::<Vec<_>>()
                .join(",")
        );
        let map: SortedMap<String, u32> = serde_json::from_str(&json).unwrap();
        assert_eq!(map.len(), 50_000);
        assert!(map.iter().map(|(_, v)| *v).eq(0..50_000));
    }

    #[test]
    fn a_value_is_made_only_for_a_missing_key() {
        let mut map = SortedMap::from([(2, 20)]);
        *map.get_or_insert_with(2, || unreachable!("present")) += 1;
        *map.get_or_insert_with(1, || 10) += 1;
        assert_eq!(map.iter().collect::<Vec<_>>(), [(&1, &11), (&2, &21)]);
    }
}
