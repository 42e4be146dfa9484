//! Parse stage: bytes → spanned trees, one module per input format.

pub mod tree;
pub mod yaml;

pub use tree::{Document, Node, Value};
