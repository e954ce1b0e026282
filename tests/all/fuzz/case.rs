//! One generated request: the arguments and the community function combined, written as the
//! request line (keys in a chosen order, stand-ins turned into lone surrogates), and its
//! proptest strategy.

use super::arguments::{lone_surrogates, zobject, Z};
use super::code::{function, Expect};
use proptest::prelude::*;
use serde_json::{json, Map};
use std::fmt;

/// One generated request.
#[derive(Clone)]
pub(super) struct Case {
    /// Key numbers of the arguments (Z1000K<n>), ascending: the binding order.
    keys: Vec<u32>,
    /// The arguments, one per key.
    values: Vec<Z>,
    /// The order the keys are written in the request (a rotation, maybe reversed).
    rotate: usize,
    reverse: bool,
    /// The choices the function is built from.
    tape: Vec<u8>,
}

impl Case {
    /// The parameters: names (`Z1000K<n>`) with their arguments, in binding order.
    fn params(&self) -> Vec<(String, Z)> {
        self.keys
            .iter()
            .zip(&self.values)
            .map(|(k, z)| (format!("Z1000K{k}"), z.clone()))
            .collect()
    }

    /// The function's source, the request line, and the expected answer.
    pub(super) fn build(&self) -> (String, String, Expect) {
        let params = self.params();
        let (code, expect) = function(&self.tape, &params);
        let mut order: Vec<usize> = (0..params.len()).collect();
        if !order.is_empty() {
            let n = self.rotate % order.len();
            order.rotate_left(n);
        }
        if self.reverse {
            order.reverse();
        }
        let mut arguments = Map::new();
        for i in order {
            arguments.insert(params[i].0.clone(), params[i].1.to_json());
        }
        let request = json!({
            "codeString": code,
            "functionName": "Z1000",
            "functionArguments": arguments,
        });
        (code, lone_surrogates(&request.to_string()), expect)
    }
}

impl fmt::Debug for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (code, request, expect) = self.build();
        write!(
            f,
            "\n--- function ---\n{code}\n--- expected ---\n{expect:?}\n--- request (one line, for `kiln run --deterministic`) ---\n{request}\n"
        )
    }
}

/// Requests of up to three arguments under distinct keys, written in varied orders.
pub(super) fn case() -> impl Strategy<Value = Case> {
    (
        prop::sample::subsequence(vec![1u32, 2, 3, 10, 11, 20], 0..=3),
        prop::collection::vec(zobject(), 3),
        0usize..3,
        any::<bool>(),
        prop::collection::vec(any::<u8>(), 0..48),
    )
        .prop_map(|(keys, mut values, rotate, reverse, tape)| {
            values.truncate(keys.len());
            Case {
                keys,
                values,
                rotate,
                reverse,
                tape,
            }
        })
}
