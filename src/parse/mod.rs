//! Parse stage: bytes → spanned trees, one module per syntax (YAML and
//! JSON, TOML, HCL), shared by the frontends that read it.

pub mod block;
pub mod hcl;
pub mod toml;
pub mod tree;
pub mod yaml;

pub use tree::{Document, Node, Value};
