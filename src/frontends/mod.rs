//! Frontends: the readers of each input format, which turn files into the
//! model's entities.

pub mod backstage;
pub mod compose;
pub mod hosts;
pub mod kubernetes;
pub mod kustomize;
pub mod manifest;
pub mod nomad;
pub mod terraform;
pub mod tools;
