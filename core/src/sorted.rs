//! Sorting the short lists of the rules (tags, milestones, expiry dates) by binary insertion.
//!
//! The standard library's sorts are made for long slices and cost a few kilobytes of wasm for
//! each element type they sort; these lists are a handful long, and every kilobyte of the
//! widgets ships to phones.

/// Inserts `item` where it keeps `items` sorted, unless an equal item is already there; whether
/// it was inserted.
pub fn insert_unique<T: Ord>(items: &mut Vec<T>, item: T) -> bool {
    match items.binary_search(&item) {
        Ok(_) => false,
        Err(at) => {
            items.insert(at, item);
            true
        }
    }
}

/// `items` sorted, without repeats.
pub fn unique<T: Ord>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut sorted = Vec::new();
    for item in items {
        insert_unique(&mut sorted, item);
    }
    sorted
}

/// `items` sorted by `key`; items with equal keys keep their order (a stable sort).
pub fn by_key<T, K: Ord>(items: impl IntoIterator<Item = T>, key: impl Fn(&T) -> K) -> Vec<T> {
    let mut sorted: Vec<T> = Vec::new();
    for item in items {
        let k = key(&item);
        let at = sorted.partition_point(|placed| key(placed) <= k);
        sorted.insert(at, item);
    }
    sorted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_sorts_and_drops_repeats() {
        assert_eq!(
            unique(["oily", "dry", "oily", "acne", "dry"]),
            ["acne", "dry", "oily"]
        );
        assert_eq!(unique(Vec::<u8>::new()), Vec::<u8>::new());
    }

    #[test]
    fn by_key_is_stable() {
        let items = [(3, 'a'), (1, 'b'), (3, 'c'), (2, 'd'), (1, 'e')];
        let sorted = by_key(items, |(k, _)| *k);
        assert_eq!(sorted, [(1, 'b'), (1, 'e'), (2, 'd'), (3, 'a'), (3, 'c')]);
        let mut std_sorted = items.to_vec();
        std_sorted.sort_by_key(|(k, _)| *k);
        assert_eq!(sorted, std_sorted);
    }
}
