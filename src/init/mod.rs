//! `spof init`: proposes a commented `spof.toml` from what a repository's
//! manifests show. It reads the files as `spof check` does (same discovery,
//! same parser) and writes only what it found evidence for: candidate
//! clusters from the directory layout (`layout`), their zones and regions
//! from Node labels and scheduling constraints, and the operational tools
//! of the tool catalog (`rules/tools.toml`) it finds, recognised as `spof
//! check` recognises them, as comments for the user to check.

mod layout;
mod scan;
mod write;

pub use layout::Candidate;
pub use scan::{Evidence, Manifest, Scan, ToolFound};

use std::path::Path;

/// A proposed configuration.
#[derive(Debug)]
pub struct Proposal {
    pub scan: Scan,
    pub clusters: Vec<Candidate>,
    /// The cluster (index into `clusters`) of each manifest.
    pub membership: Vec<Option<usize>>,
}

impl Proposal {
    /// Reads every manifest below `dir`, a directory.
    pub fn discover(dir: &Path, max_file_size: u64) -> Self {
        let scan = scan::scan(dir, max_file_size);
        let (clusters, membership) = layout::candidates(&scan.manifests);
        Self {
            scan,
            clusters,
            membership,
        }
    }

    /// The `spof.toml` text: the same for the same files, whatever order
    /// they are found in.
    pub fn render(&self) -> String {
        write::render(&self.scan, &self.clusters, &self.membership)
    }

    /// Clusters whose `zones` were filled.
    pub fn clusters_with_zones(&self) -> usize {
        (0..self.clusters.len())
            .filter(|&c| {
                self.scan.domains.iter().any(|e| {
                    e.level == crate::model::Level::Zone
                        && self.membership.get(e.file).copied().flatten() == Some(c)
                })
            })
            .count()
    }
}

#[cfg(test)]
mod tests;
