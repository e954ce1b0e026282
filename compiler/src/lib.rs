//! kiln's build pipeline: from the executor's ES modules and the QuickJS guest to the three
//! runnable artifacts (snapshot, bytecode baseline, plain baseline) and their `.cwasm` forms.
//!
//! [`build`] runs the stages in order: the guest is built (`guest`), rollup bundles the
//! executor (`bundle`; for a custom executor built from any ES module, `entry`), the guest compiles the bundle to QuickJS bytecode (`bytecode`), Wizer
//! snapshots the guest once per artifact kind (`snapshot`), and the emit stage drops the
//! build-time exports, stamps the build info and `producers` sections and precompiles. Every
//! artifact is checked against `wit/executor.wit` ([`contract`]); [`inspect`] reads the build
//! info back.

#![warn(missing_docs)]

mod bundle;
mod bytecode;
pub mod contract;
mod emit;
pub mod entry;
pub mod guest;
pub mod inspect;
mod pipeline;
mod snapshot;

pub use emit::{check_header, ModuleFormatError, BUILD_INFO_SECTION, PRODUCERS_SECTION};
pub use entry::EntryError;
pub use guest::GUEST_PATH;
pub use inspect::BuildInfo;
pub use pipeline::{build, ArtifactKind, ArtifactReport, BuildOptions, BuildReport, StageTiming};

use sha2::{Digest, Sha256};

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod test_support;
