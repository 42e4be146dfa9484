//! The integration tests, built as one test binary.
//!
//! Each file beside this one is a module of it. One binary links spof and
//! the test dependencies once, where a binary per file linked them 19
//! times (4.2 GB of debug builds). Run one file's tests with
//! `cargo test --test integration cli::`.

mod action;
mod audit;
mod backstage;
mod baseline;
mod cache;
mod catalog;
mod circles;
mod cli;
mod corpus;
mod determinism;
mod diff;
mod estate;
mod fixtures;
mod function_length;
mod generate;
mod gitlab;
mod graph;
mod hostile;
mod init;
mod kustomize;
mod layers;
mod manifest;
mod operators;
mod parser;
mod precommit;
mod report;
mod samples;
mod sarif;
#[path = "../src/test_corpus.rs"]
mod test_corpus;
