//! The order of the in-process calls: paths interleaved in blocks of [`BLOCK`] calls, the path
//! that goes first rotating every round (A×5 B×5 C×5, B×5 C×5 A×5, …), so machine drift hits
//! every path alike.

/// Calls per path in one block of the in-process measurement: the first is the cold call, the
/// others the steady state.
pub const BLOCK: usize = 5;

/// One call of the schedule: which path makes it, and whether it opens its block (the cold
/// call, right after another path's block).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Slot {
    pub(super) path: usize,
    pub(super) cold: bool,
}

/// The calls for `paths` paths, in order, in enough rounds that each path gets at least
/// `iterations` steady-state (not cold) calls.
pub(super) fn blocks(paths: usize, iterations: usize) -> impl Iterator<Item = Slot> {
    let rounds = iterations.div_ceil(BLOCK - 1);
    (0..rounds).flat_map(move |round| {
        (0..paths).flat_map(move |offset| {
            let path = (round + offset) % paths;
            (0..BLOCK).map(move |position| Slot {
                path,
                cold: position == 0,
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schedule as one letter per call, upper case for a cold call.
    fn letters(paths: usize, iterations: usize) -> String {
        blocks(paths, iterations)
            .map(|slot| {
                let letter = (b'a' + slot.path as u8) as char;
                if slot.cold {
                    letter.to_ascii_uppercase()
                } else {
                    letter
                }
            })
            .collect()
    }

    #[test]
    fn blocks_rotate_which_path_goes_first() {
        assert_eq!(letters(3, 4), "AaaaaBbbbbCcccc");
        assert_eq!(letters(3, 8), "AaaaaBbbbbCccccBbbbbCccccAaaaa");
        assert_eq!(
            letters(3, 12),
            "AaaaaBbbbbCccccBbbbbCccccAaaaaCccccAaaaaBbbbb"
        );
        assert_eq!(letters(2, 8), "AaaaaBbbbbBbbbbAaaaa");
    }

    #[test]
    fn every_path_gets_at_least_the_steady_calls_asked_for() {
        for paths in 1..=4 {
            for iterations in [1, 3, 4, 5, 9, 200] {
                let slots: Vec<Slot> = blocks(paths, iterations).collect();
                let rounds = iterations.div_ceil(BLOCK - 1);
                assert_eq!(slots.len(), rounds * paths * BLOCK);
                for path in 0..paths {
                    let steady = slots.iter().filter(|s| s.path == path && !s.cold).count();
                    let cold = slots.iter().filter(|s| s.path == path && s.cold).count();
                    assert!(
                        steady >= iterations,
                        "{paths} paths, {iterations}: {steady}"
                    );
                    assert!(steady < iterations + BLOCK - 1, "no extra round");
                    assert_eq!(cold, rounds, "one cold call per block");
                }
            }
        }
    }

    #[test]
    fn no_paths_no_calls() {
        assert_eq!(blocks(0, 10).count(), 0);
        assert_eq!(blocks(3, 0).count(), 0);
    }
}
