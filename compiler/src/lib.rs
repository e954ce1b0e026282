//! kiln's build pipeline: from the executor's ES modules and the QuickJS guest to the three
//! runnable artifacts (snapshot, bytecode baseline, plain baseline) and their `.cwasm` forms.
//!
//! One module per stage: [`guest`] builds the QuickJS guest, [`bundle`] runs rollup,
//! [`bytecode`] compiles the bundle to QuickJS bytecode inside the guest, [`snapshot`] wizens
//! the guest, [`emit`] post-processes and precompiles, [`contract`] checks every artifact
//! against `wit/executor.wit`, and [`inspect`] reads the build info back.

pub mod bundle;
pub mod bytecode;
pub mod contract;
pub mod emit;
pub mod guest;
pub mod inspect;
pub mod pipeline;
pub mod snapshot;

pub use inspect::BuildInfo;
pub use pipeline::{build, ArtifactKind, ArtifactReport, BuildOptions, BuildReport, StageTiming};

use sha2::{Digest, Sha256};

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
