#![cfg(not(target_arch = "wasm32"))]
//! No input makes a decoder panic: arbitrary bytes and arbitrary JSON go to the campaign,
//! operation and sync decoders; each either decodes or returns an error.

mod common;

use proptest::prelude::*;
use serde_json::Value;
use siyu_core::protocol::SyncRequest;
use siyu_core::{Campaign, ClientOp};

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[a-z_:-]{0,12}".prop_map(Value::String),
        prop::sample::select(vec![
            "checkin",
            "redeem",
            "submit_quiz",
            "2026-03-01",
            "zh-CN",
            "Asia/Shanghai",
            "type",
            "op"
        ])
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "id",
                    "type",
                    "op",
                    "occurred_at",
                    "answers",
                    "reward",
                    "day",
                    "version",
                    "campaign",
                    "ops",
                    "quiz",
                    "checkin",
                    "points",
                    "choice",
                    "scale",
                    "x"
                ]),
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

/// Mutates a valid campaign document at a random path, so decoding goes deep.
fn mutated_campaign() -> impl Strategy<Value = String> {
    (any::<prop::sample::Index>(), arbitrary_json()).prop_map(|(index, replacement)| {
        let mut doc = common::campaign_json("Asia/Shanghai");
        let mut paths = Vec::new();
        collect_paths(&doc, String::new(), &mut paths);
        let path = &paths[index.index(paths.len())];
        if let Some(slot) = doc.pointer_mut(path) {
            *slot = replacement;
        }
        doc.to_string()
    })
}

fn collect_paths(value: &Value, here: String, out: &mut Vec<String>) {
    out.push(here.clone());
    match value {
        Value::Object(map) => map
            .iter()
            .for_each(|(k, v)| collect_paths(v, format!("{here}/{k}"), out)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, v)| collect_paths(v, format!("{here}/{i}"), out)),
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = Campaign::parse(&text);
        let _ = serde_json::from_slice::<ClientOp>(&bytes);
        let _ = serde_json::from_slice::<SyncRequest>(&bytes);
    }

    #[test]
    fn arbitrary_json_never_panics(value in arbitrary_json()) {
        let text = value.to_string();
        let _ = Campaign::parse(&text);
        let _ = serde_json::from_str::<ClientOp>(&text);
        if let Ok(request) = serde_json::from_str::<SyncRequest>(&text) {
            let _ = request.check();
        }
    }

    #[test]
    fn mutated_campaigns_decode_or_report_problems(doc in mutated_campaign()) {
        match Campaign::parse(&doc) {
            Ok(campaign) => prop_assert!(campaign.validate().is_ok()),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}
