//! spof finds single points of failure in infrastructure configuration.
//!
//! The crate is laid out as the pipeline it runs (see `docs/architecture.md`):
//! [`discover`] → [`parse`] → [`model`] → [`graph`] → [`analysis`] →
//! [`rules`] → [`render`]. [`config`] reads `spof.toml`; [`cli`] wires the
//! stages to the command line.

pub mod analysis;
pub mod audit;
pub mod cache;
pub mod check;
pub mod cli;
pub mod config;
pub mod date;
pub mod diagnostic;
pub mod discover;
pub mod estate;
pub mod frontends;
pub mod graph;
pub mod init;
pub mod model;
pub mod output;
pub mod parse;
pub mod progress;
pub mod render;
pub mod report;
pub mod rules;
pub mod source;
#[cfg(test)]
mod test_corpus;
pub mod write;
